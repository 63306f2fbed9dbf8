import { encodeOps } from '../protocols/wire/ops-codec.ts'
import type { Op } from '../store/types.ts'

export interface OpPublisherOptions {
  /** Ops committed within this many ms of the last message share the next one. @default 4 */
  windowMs: number
  /** A message is split at op boundaries beyond this size. @default 262144 */
  maxMessageBytes: number
}

/** Rough encoded size of an op, to split messages without encoding twice. */
function estimate (op: Op): number {
  return op.key.byteLength + (op.kind === 'set' ? op.value.byteLength + 16 : 0) + op.removes.length * 20 + 8
}

/**
 * Turns local commits into topic messages. At a low rate each commit goes out at once, so latency
 * is one message; in a burst, commits within `windowMs` of the last message are coalesced into
 * one, since gossipsub carries a few thousand messages a second but far more bytes.
 */
export class OpPublisher {
  readonly #publish: (message: Uint8Array) => void
  readonly #options: OpPublisherOptions
  #pending: Op[] = []
  #pendingBytes = 0
  #lastFlush = Number.NEGATIVE_INFINITY
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor (publish: (message: Uint8Array) => void, options: OpPublisherOptions) {
    this.#publish = publish
    this.#options = options
  }

  push (ops: readonly Op[]): void {
    for (const op of ops) {
      this.#pending.push(op)
      this.#pendingBytes += estimate(op)
    }
    if (this.#pendingBytes >= this.#options.maxMessageBytes) {
      this.flush()
    } else if (this.#timer == null) {
      const wait = this.#lastFlush + this.#options.windowMs - performance.now()
      if (wait <= 0) this.flush()
      else this.#timer = setTimeout(() => this.flush(), wait)
    }
  }

  /** Sends everything pending now. */
  flush (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#lastFlush = performance.now()
    let batch: Op[] = []
    let bytes = 0
    for (const op of this.#pending) {
      const size = estimate(op)
      if (batch.length > 0 && bytes + size > this.#options.maxMessageBytes) {
        this.#publish(encodeOps(batch))
        batch = []
        bytes = 0
      }
      batch.push(op)
      bytes += size
    }
    if (batch.length > 0) this.#publish(encodeOps(batch))
    this.#pending = []
    this.#pendingBytes = 0
  }

  /** Drops the timer; pending ops are sent first. */
  stop (): void {
    if (this.#pending.length > 0) this.flush()
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
