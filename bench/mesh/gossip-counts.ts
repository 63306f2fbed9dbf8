// What one peer's gossipsub sends and receives, by kind: message copies (first or duplicate),
// and the control ids that ride with them (IHAVE, IWANT, IDONTWANT, GRAFT/PRUNE). The harness
// wraps a running instance's own methods, so the library is measured as it ships; sizes are
// what the protobuf fields take, without the stream's length prefixes (those, noise and yamux
// are what the socket counted beyond these).
import type { GossipSub } from '@libp2p/gossipsub'
import type { RPC } from '@libp2p/gossipsub/message'

export interface GossipDirection {
  /** Message copies, and their bytes (data and envelope). */
  copies: number
  copyBytes: number
  ihaveIds: number
  iwantIds: number
  idontwantIds: number
  /** GRAFT, PRUNE, subscriptions and the control ids above, in bytes. */
  controlBytes: number
}

export interface GossipCounts {
  sent: GossipDirection
  received: GossipDirection
  /** Received copies of a message this peer had already seen (dropped by gossipsub). */
  duplicates: number
  duplicateBytes: number
}

const direction = (): GossipDirection => ({ copies: 0, copyBytes: 0, ihaveIds: 0, iwantIds: 0, idontwantIds: 0, controlBytes: 0 })

export function emptyGossipCounts (): GossipCounts {
  return { sent: direction(), received: direction(), duplicates: 0, duplicateBytes: 0 }
}

/** A field's bytes with its tag and length prefix. */
const field = (length: number): number => length + (length < 128 ? 2 : length < 16384 ? 3 : 4)

function messageBytes (m: RPC.Message): number {
  return field((m.data?.byteLength ?? 0)) + field(m.from?.byteLength ?? 0) + field(m.seqno?.byteLength ?? 0) +
    field(m.signature?.byteLength ?? 0) + (m.key == null ? 0 : field(m.key.byteLength)) + field(m.topic.length)
}

function ids (list: Array<{ messageIDs?: Uint8Array[] }> | undefined): { count: number, bytes: number } {
  let count = 0
  let bytes = 0
  for (const entry of list ?? []) {
    for (const id of entry.messageIDs ?? []) { count++; bytes += field(id.byteLength) }
    bytes += 40
  }
  return { count, bytes }
}

function tally (into: GossipDirection, rpc: RPC, times: number): void {
  if (times === 0) return
  for (const m of rpc.messages ?? []) {
    into.copies += times
    into.copyBytes += times * field(messageBytes(m))
  }
  into.controlBytes += times * (rpc.subscriptions ?? []).reduce((sum, s) => sum + field((s.topic?.length ?? 0) + 4), 0)
  const control = rpc.control
  if (control == null) return
  const ihave = ids(control.ihave)
  const iwant = ids(control.iwant)
  const idontwant = ids(control.idontwant)
  into.ihaveIds += times * ihave.count
  into.iwantIds += times * iwant.count
  into.idontwantIds += times * idontwant.count
  into.controlBytes += times * (ihave.bytes + iwant.bytes + idontwant.bytes + 60 * ((control.graft?.length ?? 0) + (control.prune?.length ?? 0)))
}

interface Wrapped {
  handleReceivedRpc: (from: unknown, rpc: RPC) => Promise<void>
  validateReceivedMessage: (from: unknown, msg: RPC.Message) => Promise<{ code: string }>
  sendRpc: (id: string, rpc: RPC) => boolean
  sendRpcInBatch: (tosend: Set<string>, rpc: RPC) => void
}

/** Counts what `pubsub` sends and receives from now on, into `counts`. */
export function countGossip (pubsub: GossipSub, counts: GossipCounts): void {
  const g = pubsub as unknown as Wrapped
  const received = g.handleReceivedRpc.bind(g)
  const validate = g.validateReceivedMessage.bind(g)
  const send = g.sendRpc.bind(g)
  const sendBatch = g.sendRpcInBatch.bind(g)
  g.handleReceivedRpc = async (from, rpc) => {
    tally(counts.received, rpc, 1)
    await received(from, rpc)
  }
  g.validateReceivedMessage = async (from, msg) => {
    const result = await validate(from, msg)
    if (result.code === 'duplicate') {
      counts.duplicates++
      counts.duplicateBytes += field(messageBytes(msg))
    }
    return result
  }
  g.sendRpc = (id, rpc) => {
    const sent = send(id, rpc)
    // sendRpc adds piggybacked gossip to the rpc it was given: count what left.
    if (sent) tally(counts.sent, rpc, 1)
    return sent
  }
  g.sendRpcInBatch = (tosend, rpc) => {
    sendBatch(tosend, rpc)
    tally(counts.sent, rpc, tosend.size)
  }
}
