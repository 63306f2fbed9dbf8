import type { Diff, DiffGroup } from '../diff.ts'
import type { ReplicaId } from '../types.ts'

/**
 * A diff a persistent store serves, without its own seqs above the reservation on disk
 * (`durableSeq`; a burst of writes can outrun it until its batch lands): handing one out before
 * then could let a crash reuse it. What is left out comes in a later round. Undefined when
 * nothing is left. The groups cut are disposed of with the input.
 */
export function durableOnly (diff: Diff, own: ReplicaId, durableSeq: number, lastIssued: number): Diff | undefined {
  if (lastIssued <= durableSeq) return diff.groups.length > 0 || diff.needsFullRequest || diff.deathsWithheld === true ? diff : undefined
  const groups: DiffGroup[] = []
  for (const group of diff.groups) {
    if (group.replica !== own) {
      groups.push(group)
      continue
    }
    const entries = group.entries.filter((entry) => entry.seq <= durableSeq)
    let deaths = group.deaths?.slice(1, durableSeq + 1)
    group.deaths?.dispose()
    if (deaths?.isEmpty === true) {
      deaths.dispose()
      deaths = undefined
    }
    if (entries.length > 0 || deaths != null) groups.push(deaths == null ? { replica: group.replica, card: group.card, proofs: group.proofs, entries } : { replica: group.replica, card: group.card, proofs: group.proofs, entries, deaths })
  }
  return groups.length > 0 || diff.needsFullRequest || diff.deathsWithheld === true ? { ...diff, groups } : undefined
}
