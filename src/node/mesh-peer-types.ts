import type { ReplicaId } from '../store/types.ts'
import type { DiffSyncInit, PullResult } from '../protocols/diff/index.ts'
import type { ForeignDotError } from '../store/errors.ts'
import type { PullReason } from './anti-entropy.ts'
import type { RefusedInputs } from './refusal-counter.ts'
import type { PeerId } from '@libp2p/interface'

// The contract of a mesh peer as an app sees it: its options, events and counters.

export interface MeshPeerOptions {
  /**
   * The shared store's name: peers of one mesh replicate one store, and one libp2p node may
   * serve several meshes. @default 'default'
   */
  mesh?: string
  /** The gossipsub topic for ops. @default `roaring-mesh/<mesh>/ops/3`, or with a `meshKey` `roaring-mesh/<32 hex digits derived from the key and mesh>/ops/3` */
  topic?: string
  /**
   * The mesh key (see `generateMeshKey()`): 32 bytes, or their base64url. With it the mesh is
   * private: peers prove they hold it on every connection before they are served or heard, and
   * topic messages are sealed under a key derived from it. Needs the node's `meshProof` service,
   * which `createMeshPeer` adds to a node it makes. @default undefined: no key
   */
  meshKey?: string | Uint8Array
  /** Periodic and triggered pulls. */
  antiEntropy?: {
    /**
     * Mean time between pulls from a random connected peer, in ms; a tick is skipped when this
     * peer's state has not changed since the last one, or is the state a neighbour announced
     * last, so an idle mesh pulls nothing. @default 30000
     */
    interval?: number
    /** The interval varies by up to this much either way, in ms. @default 10000 */
    jitter?: number
    /** The least time between two gap- or announcement-triggered pulls from one peer, in ms. @default 1000 */
    minTriggeredInterval?: number
  }
  /**
   * Keeps the node connected: while fewer than `target` peers are connected it dials the peers
   * libp2p discovered (mDNS, bootstrap) and those it was connected to before, each failed dial
   * waiting longer, with jitter. A link lost under load (libp2p's connection monitor closes a
   * connection whose ping stalls) or to a neighbour's restart comes back without the app. `false`
   * leaves connections to the app. To keep a peer out, refuse it with a connection gater: a
   * hang-up alone is undone. @default { target: 8 }
   */
  connections?: false | MeshConnectionsOptions
  /**
   * State announcements: once a peer's state changed and then stayed put for `settleMs`, it
   * announces its state hash on the topic; a neighbour whose settled state still differs from
   * the latest announcement it heard pulls, from one peer. Nothing is announced or pulled while
   * states move (gossip is delivering), nor in an idle mesh.
   */
  announce?: {
    /** How long the state hash must stay the same to count as settled, in ms. @default 500 */
    settleMs?: number
    /** Each wait varies by up to this much more, in ms. @default 250 */
    jitterMs?: number
  }
  /**
   * An op whose writer's previous op has not arrived sets off a pull only if that op is still
   * missing this many ms later, and up to ten times that more while the state still moves
   * (gossip is delivering): gossip takes several paths, and ops often arrive out of order. The
   * pull asks only about the writers whose ops are missing.
   * @default 1000
   */
  gapGraceMs?: number
  /** Commits within this many ms of the last message are coalesced into the next one. @default 4 */
  coalesceMs?: number
  /**
   * The largest ops message, in bytes: larger batches are split, a single larger op reaches
   * peers by a pull, and a larger message received is rejected (its sender scored down). Every
   * peer of a mesh needs the same value. The node's gossipsub inbound limit is raised to fit it
   * if needed. @default 262144
   */
  maxMessageBytes?: number
  /**
   * Options of the diff protocol, when the peer registers it: on a node `createMeshPeer` makes
   * from options (over a preset's `diff`), or on an app's node that has no `diffSync` service.
   */
  diff?: DiffSyncInit
}

export interface MeshConnectionsOptions {
  /** Dial while fewer than this many peers are connected. @default 8 */
  target?: number
  /** The wait after a peer's first failed dial, in ms; it doubles with each failure in a row. @default 1000 */
  minBackoff?: number
  /** The longest wait between two dials of one peer, in ms. @default 30000 */
  maxBackoff?: number
  /** Each wait varies by up to this fraction either way, so peers that lost each other together do not redial together. @default 0.2 */
  jitter?: number
}

export interface SyncDetail {
  readonly peer: PeerId
  readonly reason: PullReason
  readonly result: PullResult
  readonly durationMs: number
}

export interface SyncErrorDetail {
  readonly peer: PeerId
  readonly reason: PullReason
  readonly error: Error
}

export interface MeshPeerEvents {
  /** A peer that speaks the diff protocol connected. */
  'peer:connect': CustomEvent<PeerId>
  'peer:disconnect': CustomEvent<PeerId>
  /** A pull from a peer completed. */
  sync: CustomEvent<SyncDetail>
  /** A pull from a peer failed; the next one retries. */
  'sync:error': CustomEvent<SyncErrorDetail>
  /**
   * Input named a dot of this replica's own id that it never issued: someone writes as this
   * replica, or its data directory was copied and both copies write. The input (a topic message)
   * or that part of it (a diff) was refused; nothing of this replica's own seqs moved.
   */
  'foreign-dot': CustomEvent<ForeignDotDetail>
  /**
   * A writer's key signed two different entries for one dot: whoever holds that key lies (or
   * two copies of one data directory write). The dot is dead in every store that saw both.
   */
  equivocation: CustomEvent<EquivocationDetail>
}

export interface EquivocationDetail {
  /** The writer whose key signed both. */
  readonly replica: ReplicaId
  readonly seq: number
  /** The peer pulled from when it showed, if it showed in a pull. */
  readonly peer: PeerId | undefined
}

export interface ForeignDotDetail {
  /** Who sent it: a topic message's publisher, or the peer pulled from; unknown for an app's own call. */
  readonly peer: PeerId | undefined
  readonly error: ForeignDotError
}

export interface MeshPeerStats {
  /** Ops published / integrated from the topic. */
  opsSent: number
  opsReceived: number
  /** Topic messages published / received (ops and announcements). */
  messagesSent: number
  messagesReceived: number
  /** Bytes published on / received from the topic. */
  topicBytesSent: number
  topicBytesReceived: number
  /** Topic messages refused as malformed. */
  invalidMessages: number
  /** Inputs (topic messages, diff frames) that named dots of this replica's own id it never issued. */
  foreignDots: number
  /** Dots whose writer's key signed two different entries (see the 'equivocation' event). */
  equivocations: number
  /**
   * Diff groups that claimed deaths of a writer's seqs beyond the highest its key has signed for:
   * left out, and counted against the peer pulled from (`refusedByPeer[peer].deaths`).
   */
  deathsRefused: number
  /** Pulls completed / failed, and their bytes (request and frames). */
  diffRounds: number
  diffFailures: number
  diffBytesSent: number
  diffBytesReceived: number
  /** Gap pulls not made because gossip delivered every op they were for while they waited. */
  gapPullsSkipped: number
  /**
   * What this node's diff protocol did as a responder, for every mesh it serves (an inbound
   * stream names its mesh only once read, so garbage cannot be told apart by mesh): requests
   * answered, refused (unknown mesh, undecodable request), and streams aborted (garbage,
   * oversized, or a reader stalled past the timeout).
   */
  diffServed: number
  diffRefused: number
  diffServeFailures: number
  /** Dials by {@link MeshPeer.dial} that failed once and were retried, and that failed twice. */
  dialRetries: number
  dialFailures: number
  /** When the last pull from each peer completed (ms since the epoch), by peer id. */
  lastSync: Record<string, number>
  /**
   * What this peer refused from each remote peer, by peer id: see who misbehaves and block it.
   * Kept for the 1,024 peers refused most recently (an attacker can make identities at will).
   * A diff stream refused before it named a mesh counts for every mesh on a shared node.
   */
  refusedByPeer: Record<string, RefusedInputs>
  /** Peers of this mesh connected now. */
  connectedPeers: string[]
}

