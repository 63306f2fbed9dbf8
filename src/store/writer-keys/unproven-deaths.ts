import { MAX_BATCH_REMOVALS, type TaggedDot } from './batch-digest.ts'
import type { ReplicaState } from '../replica-state.ts'

/**
 * The deaths a store took without keeping their evidence, where it still could sign it: each
 * dead seq (seen, not live) of each writer that has no cause (`WriterProofs.causeOf`) but whose
 * proof here holds a real entry leaf, as a removal tagged with that leaf. Such deaths are the
 * removals of commits nobody listened to, lost by a crash before the signer sealed them, and
 * deaths taken before deaths had evidence. A zero leaf is its own evidence, and a seq no proof
 * covers has no leaf to name: an own one is signed later as issued with no entry.
 *
 * Work is linear in the dead seqs at or below each writer's attested max (the seqs above have no
 * leaf), never in the live ones: a store without deaths costs one bitmap difference per writer.
 */
export function * unprovenDeaths (writers: Iterable<ReplicaState>): Generator<TaggedDot> {
  for (const writer of writers) {
    const proofs = writer.proofs
    const top = proofs.attestedMax
    if (top === 0) continue
    const dead = writer.seen.andNot(writer.live)
    const runs: Array<[number, number]> = []
    try {
      dead.forEachRun((start, end) => { if (start <= top) runs.push([start, Math.min(end, top + 1)]) })
    } finally {
      dead.dispose()
    }
    for (const [start, end] of runs) {
      for (let seq = start; seq < end; seq++) {
        const tag = proofs.unprovenTag(seq)
        if (tag != null) yield { replica: writer.id, seq, tag }
      }
    }
  }
}

/**
 * Has this replica sign `deaths` as its own removals, {@link MAX_BATCH_REMOVALS} at a time
 * (`resign` hands them to the signer, `signed` resolves once they are signed and on disk), so
 * that at most one batch's worth waits in memory. Returns how many it signed.
 */
export async function signUnprovenDeaths (deaths: Iterable<TaggedDot>, resign: (removals: TaggedDot[]) => void, signed: () => Promise<void>): Promise<number> {
  let count = 0
  let chunk: TaggedDot[] = []
  for (const dot of deaths) {
    chunk.push(dot)
    if (chunk.length < MAX_BATCH_REMOVALS) continue
    count += chunk.length
    resign(chunk)
    chunk = []
    await signed()
  }
  if (chunk.length === 0) return count
  resign(chunk)
  await signed()
  return count + chunk.length
}
