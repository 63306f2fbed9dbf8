import type { BatchProof } from '../diff.ts'
import type { BatchSigner } from './batch-signer.ts'
import type { Op } from '../types.ts'

/** What LocalWrites asks of whatever readies its commits' ops for sending. */
export type CommitSender = Pick<BatchSigner, 'queued' | 'startAt' | 'add' | 'signAll' | 'signNow' | 'settled' | 'opsSent'>

/** The proof an unsigned commit hands on: it covers nothing, so nothing keeps it. */
const NO_PROOF: BatchProof = Object.freeze({ first: 0, count: 0, salt: new Uint8Array(0), removalsDigest: new Uint8Array(0), leaves: new Uint8Array(0), signature: new Uint8Array(0) })

/**
 * The commits of a store with `writerKeys: false`: nothing is signed, and the ops of the commits
 * someone listens to go out as they are, together once the commit's microtask is done (after the
 * commit reached the persistence, as signed ops do).
 */
export class UnsignedCommits implements CommitSender {
  readonly #send: (ops: Op[], proof: BatchProof) => void
  #queue: Op[] = []

  constructor (send: (ops: Op[], proof: BatchProof) => void) {
    this.#send = send
  }

  get queued (): boolean {
    return this.#queue.length > 0
  }

  startAt (): void {}

  add (ops: readonly Op[]): void {
    if (this.#queue.length === 0) queueMicrotask(() => { this.#flush() })
    for (const op of ops) this.#queue.push(op)
  }

  signAll (): boolean {
    this.#flush()
    return true
  }

  signNow (ops: readonly Op[]): Op[] {
    return [...ops]
  }

  async settled (): Promise<void> {
    this.#flush()
  }

  async opsSent (): Promise<void> {
    this.#flush()
  }

  #flush (): void {
    if (this.#queue.length === 0) return
    const ops = this.#queue
    this.#queue = []
    this.#send(ops, NO_PROOF)
  }
}
