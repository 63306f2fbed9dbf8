/** One put or delete of a level batch; keys and values are bytes. */
export type BatchOp =
  | { readonly type: 'put', readonly key: Uint8Array, readonly value: Uint8Array }
  | { readonly type: 'del', readonly key: Uint8Array }

export interface WriteQueueOptions {
  /** The typed error for a failure that means "disk full", which the queue survives; undefined for any other. */
  full?: (err: unknown) => Error | undefined
  /** Run before the first write after a disk-full failure (LevelDB refuses writes after one until it is reopened). */
  recover?: () => Promise<void>
}

/**
 * Writes batches one at a time, in the order they were pushed. Batches pushed while a write is
 * under way wait, and then go to disk together as one atomic batch (group commit): every batch
 * is still all-or-nothing, and what is on disk is always the state after some prefix of them.
 *
 * A write that fails because the disk is full rejects with the typed error, and its ops stay
 * first in line: the next push, or `idle()`, writes them again with whatever came after (every
 * op puts a whole record, so writing one again is harmless). After any other failure every later
 * push fails too: the store in memory is then ahead of the disk, and only a reopen can bring them
 * back together.
 */
export class WriteQueue {
  readonly #write: (ops: BatchOp[]) => Promise<void>
  readonly #options: WriteQueueOptions
  #pending: BatchOp[] = []
  /** The write of the pending ops, once scheduled. */
  #next: Promise<void> | undefined
  /** The last write scheduled: it settles after every earlier one. */
  #tail: Promise<void> = Promise.resolve()
  #failure: Error | undefined
  /** Set while the last write failed for want of space. */
  #full = false

  constructor (write: (ops: BatchOp[]) => Promise<void>, options: WriteQueueOptions = {}) {
    this.#write = write
    this.#options = options
  }

  /** Whether the last write failed because the disk was full (its ops wait to be written again). */
  get full (): boolean {
    return this.#full
  }

  /** Queues `ops` as one atomic batch; resolves once they are on disk. */
  push (ops: readonly BatchOp[]): Promise<void> {
    if (this.#failure != null) return Promise.reject(this.#failure)
    for (const op of ops) this.#pending.push(op)
    if (this.#next == null) {
      this.#next = this.#tail.then(async () => { await this.#writePending() }, async () => { await this.#writePending() })
      this.#tail = this.#next
      // Callers may not await every push; a failure is theirs to see through idle(), not a crash.
      this.#next.catch(() => {})
    }
    return this.#next
  }

  /** Resolves once everything pushed so far is on disk; rejects if a write failed. After a disk-full failure it tries again. */
  idle (): Promise<void> {
    if (this.#failure != null) return Promise.reject(this.#failure)
    if (this.#full && this.#next == null) return this.push([])
    return this.#tail
  }

  async #writePending (): Promise<void> {
    if (this.#failure != null) throw this.#failure
    const ops = this.#pending
    this.#pending = []
    this.#next = undefined
    try {
      if (this.#full) await this.#options.recover?.()
      await this.#write(ops)
      this.#full = false
    } catch (err: any) {
      const full = this.#options.full?.(err)
      if (full != null) {
        // Still first in line: written again, before anything pushed since, by the next write.
        this.#pending = ops.concat(this.#pending)
        this.#full = true
        throw full
      }
      this.#failure ??= err instanceof Error ? err : new Error(String(err))
      throw this.#failure
    }
  }
}
