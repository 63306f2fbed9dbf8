import type { ReplicaState } from './replica-state.ts'

/**
 * A replica's state hash: 12 bytes that change whenever what it has seen or holds live changes.
 * The sums of its dots' hashes over seen (lane a), over live (lane a), and over both (lane b),
 * so either kind of difference shows in 64 bits, with the live entries' leaves added to the live
 * lanes (two signed versions of one dot hash apart); sums, so that each writer's digests are kept
 * up to date as it changes and the hash costs one step per writer.
 */
export function stateHashOf (writers: Iterable<ReplicaState>): Uint8Array {
  let seenA = 0
  let seenB = 0
  let liveA = 0
  let liveB = 0
  for (const replica of writers) {
    seenA = (seenA + replica.seenDigest.a) >>> 0
    seenB = (seenB + replica.seenDigest.b) >>> 0
    liveA = (liveA + replica.liveDigest.a + replica.contentDigest.a) >>> 0
    liveB = (liveB + replica.liveDigest.b + replica.contentDigest.b) >>> 0
  }
  const out = new Uint8Array(12)
  const view = new DataView(out.buffer)
  view.setUint32(0, seenA, true)
  view.setUint32(4, liveA, true)
  view.setUint32(8, (seenB + liveB) >>> 0, true)
  return out
}
