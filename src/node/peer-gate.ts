/**
 * Runs at most one task per key at a time: a pull asked for while one runs against the same peer
 * joins the one running, and one more is queued to run after it, so nothing asked for is lost
 * and nothing runs twice at once.
 */
export class PeerGate<T> {
  readonly #running = new Map<string, Promise<T>>()
  readonly #queued = new Map<string, Promise<T>>()

  run (key: string, task: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key)
    if (running == null) return this.#start(key, task)
    let queued = this.#queued.get(key)
    if (queued == null) {
      queued = running.catch(() => undefined).then(async () => {
        this.#queued.delete(key)
        return await this.#start(key, task)
      })
      this.#queued.set(key, queued)
    }
    return queued
  }

  #start (key: string, task: () => Promise<T>): Promise<T> {
    const promise = task().finally(() => {
      if (this.#running.get(key) === promise) this.#running.delete(key)
    })
    this.#running.set(key, promise)
    return promise
  }

  /** Resolves when every task started so far has settled. */
  async settled (): Promise<void> {
    while (this.#running.size > 0 || this.#queued.size > 0) {
      await Promise.allSettled([...this.#running.values(), ...this.#queued.values()])
    }
  }
}
