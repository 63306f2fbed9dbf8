import { MAX_BATCH_REMOVALS, MAX_BATCH_SEQS } from './batch-digest.ts'
import type { Op } from '../types.ts'

// Where a writer's ops are cut into signed batches: a batch holds at most MAX_BATCH_SEQS sets
// (its leaves) and MAX_BATCH_REMOVALS removals (its removal tags), and at least one op.

/** The end of the batch that starts at `ops[start]`: at most MAX_BATCH_SEQS sets and MAX_BATCH_REMOVALS removals. */
export function batchEnd (ops: readonly Op[], start: number): number {
  let end = start
  let sets = 0
  let removals = 0
  while (end < ops.length) {
    const op = ops[end]
    const addsSet = op.kind === 'set' ? 1 : 0
    if (end > start && (sets + addsSet > MAX_BATCH_SEQS || removals + op.removes.length > MAX_BATCH_REMOVALS)) break
    sets += addsSet
    removals += op.removes.length
    end++
  }
  return end
}

/** How many of `ops[start..end)` are sets, each taking a seq. */
export function setsIn (ops: readonly Op[], start: number, end: number): number {
  let sets = 0
  for (let i = start; i < end; i++) if (ops[i].kind === 'set') sets++
  return sets
}
