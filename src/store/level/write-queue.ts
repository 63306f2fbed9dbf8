/** One put or delete of a level batch; keys and values are bytes. */
export type BatchOp =
  | { readonly type: 'put', readonly key: Uint8Array, readonly value: Uint8Array }
  | { readonly type: 'del', readonly key: Uint8Array }

/**
 * Writes batches one at a time, in the order they were pushed. Batches pushed while a write is
 * under way wait, and then go to disk together as one atomic batch (group commit): every batch
 * is still all-or-nothing, and what is on disk is always the state after some prefix of them.
 * After a failed write every later push fails too: the store in memory is then ahead of the
 * disk, and only a reopen can bring them back together.
 */
export class WriteQueue {
  readonly #write: (ops: BatchOp[]) => Promise<void>
  #pending: BatchOp[] = []
  /** The write of the pending ops, once scheduled. */
  #next: Promise<void> | undefined
  /** The last write scheduled: it settles after every earlier one. */
  #tail: Promise<void> = Promise.resolve()
  #failure: Error | undefined

  constructor (write: (ops: BatchOp[]) => Promise<void>) {
    this.#write = write
  }

  /** Queues `ops` as one atomic batch; resolves once they are on disk. */
  push (ops: readonly BatchOp[]): Promise<void> {
    if (this.#failure != null) return Promise.reject(this.#failure)
    for (const op of ops) this.#pending.push(op)
    if (this.#next == null) {
      this.#next = this.#tail.then(async () => { await this.#writePending() })
      this.#tail = this.#next
      // Callers may not await every push; a failure is theirs to see through idle(), not a crash.
      this.#next.catch(() => {})
    }
    return this.#next
  }

  /** Resolves once everything pushed so far is on disk; rejects if a write failed. */
  idle (): Promise<void> {
    return this.#failure != null ? Promise.reject(this.#failure) : this.#tail
  }

  async #writePending (): Promise<void> {
    const ops = this.#pending
    this.#pending = []
    this.#next = undefined
    try {
      await this.#write(ops)
    } catch (err: any) {
      this.#failure ??= err instanceof Error ? err : new Error(String(err))
      throw this.#failure
    }
  }
}
