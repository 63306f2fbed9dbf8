import { createTopicScoreParams, validateTopicScoreParams, type PeerScoreParams, type TopicScoreParams } from '@libp2p/gossipsub/score'
import { toString } from 'uint8arrays/to-string'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import type { RPC } from '@libp2p/gossipsub/message'

/** The largest ops message a peer publishes, and accepts, by default, in bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024

/**
 * Room in one gossipsub RPC for what travels around a message of ours: the signed envelope
 * (a few hundred bytes) and the gossip piggybacked on it, up to 5,000 IHAVE message ids of
 * about 50 bytes each.
 */
export const RPC_OVERHEAD_BYTES = 256 * 1024

/** The largest RPC a peer reads from a gossipsub stream when messages are at most `maxMessageBytes`. */
export function maxInboundRpcBytes (maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): number {
  return maxMessageBytes + RPC_OVERHEAD_BYTES
}

/**
 * Score parameters for a mesh's ops topic. Only what a peer does wrong on purpose costs it:
 * each message our validator rejects adds one to a counter that weighs -10 squared, so three
 * take a new peer past gossipsub's graylist threshold (-80), where everything it sends is
 * dropped unread (four, for a peer that has earned the +20 that ten minutes in the mesh and
 * ten first deliveries give); the counter decays by 3 % a second, so a flood of thousands
 * keeps a peer out for minutes. A negative score alone prunes a peer from the mesh. Mesh
 * delivery rates are not scored: a key-value store's writers are quiet for long stretches,
 * and an honest quiet peer must not be pruned for it.
 */
export function opsTopicScoreParams (): TopicScoreParams {
  return createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 1 / 60,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 600,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 10,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -10,
    invalidMessageDeliveriesDecay: 0.97
  })
}

export interface MeshGossipsubOptions {
  /** The largest ops message of the meshes on this node, in bytes. @default 262144 */
  maxMessageBytes?: number
  /** Ops topics to score from the start; a mesh peer adds its own topic when it starts anyway. @default [] */
  topics?: string[]
}

/**
 * The smallest message a peer sends IDONTWANT for, to each of its mesh peers. Gossipsub's 512
 * bytes made one IDONTWANT per mesh peer for nearly every ops message, each its own RPC and
 * frame, while on a busy peer most arrived after the copy they meant to stop had left; for a
 * message of 16 KiB a copy saved pays for them.
 */
export const IDONTWANT_MIN_BYTES = 16 * 1024

let unsigned = 0

/**
 * The key of gossipsub's duplicate check that runs before it verifies a message: the message's
 * signature. A signature is only cached once a copy verified, so an identical copy is a copy
 * of a valid message, and a copy that carries it over other content is a forgery, rightly
 * dropped; nobody can make a valid signature that another's future message will carry. In a
 * mesh each message arrives from several neighbours, and the Ed25519 check of every copy was a
 * quarter of a busy peer's time. An unsigned message (an app's own policy) gets a key of its
 * own, which skips the shortcut.
 */
export function signatureMessageId (msg: RPC.Message): string {
  return msg.signature == null ? `unsigned-${unsigned++}` : toString(msg.signature, 'base64')
}

/**
 * Gossipsub options the presets use: an inbound RPC limit that matches what a mesh peer sends,
 * and peer scoring that prunes and graylists a peer that keeps sending invalid messages. Peers
 * sharing an IP address are not penalised (gossipsub's IP colocation factor is off): on a LAN
 * behind one NAT, or in tests on 127.0.0.1, many honest peers do.
 *
 * A thinner gossip mesh than gossipsub's default (D 3, between 2 and 5, instead of 6) and no
 * flood publishing (a publisher sends to its mesh peers, not to every subscriber it knows): every
 * copy a peer receives beyond the first is bytes for nothing, and our messages are coalesced
 * ops of up to 256 KiB. What a thinner mesh loses, the gap and announcement pulls repair; at
 * 25 peers this halved the bytes per peer (`npm run bench -- --workload mesh`). Duplicates skip
 * the signature check ({@link signatureMessageId}).
 */
export function meshGossipsubOptions (options: MeshGossipsubOptions = {}): Partial<GossipsubOpts> {
  const topics: Record<string, TopicScoreParams> = {}
  for (const topic of options.topics ?? []) topics[topic] = opsTopicScoreParams()
  const scoreParams: Partial<PeerScoreParams> = { IPColocationFactorWeight: 0, topics }
  return {
    allowPublishToZeroTopicPeers: true,
    maxInboundDataLength: maxInboundRpcBytes(options.maxMessageBytes),
    fastMsgIdFn: signatureMessageId,
    floodPublish: false,
    D: 3,
    Dlo: 2,
    Dhi: 5,
    Dout: 1,
    Dlazy: 2,
    mcacheGossip: 1,
    idontwantMinDataSize: IDONTWANT_MIN_BYTES,
    scoreParams
  }
}

/** What a mesh peer adjusts on a running gossipsub; not in its public interface, so looked up with care. */
interface TunableGossipsub {
  opts?: {
    maxInboundDataLength?: number
    scoreParams?: { topics?: Record<string, TopicScoreParams> }
  }
}

/**
 * Fits a gossipsub instance to one mesh: scores its ops topic (unless the app set parameters
 * for it) and raises the inbound RPC limit if it is below what the mesh sends. Gossipsub reads
 * both where they are used, so a change holds for every peer and stream from then on. An
 * app's node whose limit is unset keeps libp2p's 4 MiB: the validator still rejects oversized
 * messages. The topic's parameters stay when the peer stops: gossipsub keeps per-peer stats
 * for a scored topic and reads its parameters wherever it finds them, so removing them could
 * throw inside gossipsub; a stopped mesh leaves one small entry.
 */
export function fitGossipsub (pubsub: GossipSub, topic: string, maxMessageBytes: number): void {
  const opts = (pubsub as unknown as TunableGossipsub).opts
  const needed = maxInboundRpcBytes(maxMessageBytes)
  if (opts != null && opts.maxInboundDataLength != null && opts.maxInboundDataLength < needed) opts.maxInboundDataLength = needed
  const topics = opts?.scoreParams?.topics
  if (topics == null || topics[topic] != null) return
  const params = opsTopicScoreParams()
  validateTopicScoreParams(params)
  topics[topic] = params
}
