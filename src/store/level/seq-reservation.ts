/**
 * Keeps this replica's seqs from ever being reused, across crashes.
 *
 * Every batch a LevelStore writes carries `reserved`: a bound at or above every local seq issued
 * so far, kept a chunk ahead so that it seldom has to move. Nothing can have left the store with
 * a seq above the bound on disk: the 'ops' event waits for its commit's batch, and diffs leave
 * out local seqs above it ({@link durable}). On open the store continues above the bound on disk
 * and marks the seqs it skips as dead (they were never committed: a write that had not reached
 * the disk, or a seq never issued), so no gap in its seen set stays open for ever.
 */
export class SeqReservation {
  /** How far ahead of the last issued seq a batch reserves. */
  static readonly CHUNK = 4096
  #queued: number
  #durable: number

  /** `reserved`: the bound on disk. */
  constructor (reserved: number) {
    this.#queued = reserved
    this.#durable = reserved
  }

  /**
   * Where a reopened store continues, from the state on disk: after the reservation, and the
   * seqs `[skipFrom, nextSeq)` to mark dead (none after a clean close).
   */
  static resume (saved: { nextSeq: number, reserved: number }): { nextSeq: number, skipFrom: number } {
    return { nextSeq: Math.max(saved.nextSeq, saved.reserved + 1), skipFrom: saved.nextSeq }
  }

  /** The bound for a batch written when the next local seq is `nextSeq`: moved a chunk ahead when half used. */
  boundFor (nextSeq: number): number {
    if (nextSeq - 1 + SeqReservation.CHUNK / 2 > this.#queued) this.#queued = nextSeq - 1 + SeqReservation.CHUNK
    return this.#queued
  }

  /** A batch that carried `bound` is on disk. */
  reached (bound: number): void {
    if (bound > this.#durable) this.#durable = bound
  }

  /** The bound of the last batch queued: on disk once every batch queued so far is. */
  get queued (): number {
    return this.#queued
  }

  /** Every local seq up to this one is covered by the bound on disk, and may be handed out. */
  get durable (): number {
    return this.#durable
  }
}
