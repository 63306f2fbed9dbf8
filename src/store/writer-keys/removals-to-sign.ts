import { MAX_BATCH_REMOVALS, type TaggedDot } from './batch-digest.ts'

/**
 * The tagged removals of commits that sent no ops, oldest first, each with the seq its commit's
 * seqs ended before: a batch signs them once it covers that seq. Read from a head on and dropped
 * once all are taken, so taking them costs linear time.
 */
export class RemovalsToSign {
  #removals: TaggedDot[] = []
  #ends: number[] = []
  #head = 0

  /** How many wait. */
  get size (): number {
    return this.#removals.length - this.#head
  }

  /** Keeps a commit's removals (its seqs end before `end`). */
  add (dots: readonly TaggedDot[], end: number): void {
    for (const dot of dots) {
      this.#removals.push(dot)
      this.#ends.push(end)
    }
  }

  /** Whether removals of commits whose seqs end at or before `end` wait. */
  due (end: number): boolean {
    return this.#head < this.#removals.length && this.#ends[this.#head] <= end
  }

  /** Takes the waiting removals due by `end`, at most {@link MAX_BATCH_REMOVALS}. */
  take (end: number): TaggedDot[] {
    const from = this.#head
    let to = from
    while (to < this.#removals.length && to - from < MAX_BATCH_REMOVALS && this.#ends[to] <= end) to++
    const taken = this.#removals.slice(from, to)
    this.#head = to
    if (to === this.#removals.length) {
      this.#removals = []
      this.#ends = []
      this.#head = 0
    }
    return taken
  }
}
