import { encodeOps } from '../protocols/wire/ops-codec.ts'
import type { Op } from '../store/types.ts'

export interface OpPublisherOptions {
  /** Ops committed within this many ms of the last message share the next one. @default 4 */
  windowMs: number
  /** A message is split at op boundaries beyond this size; no message is larger. @default 262144 */
  maxMessageBytes: number
  /**
   * Receives an op too large for a message of its own (a value near the 1 MiB limit): peers
   * refuse a larger message, so it must reach them by a pull instead.
   */
  oversized: (op: Op) => void
}

/** Rough encoded size of an op, to split messages without encoding twice. */
function estimate (op: Op): number {
  return op.key.byteLength + (op.kind === 'set' ? op.value.byteLength + 16 : 0) + op.removes.length * 20 + 8
}

/**
 * Turns local commits into topic messages, each at most `maxMessageBytes` encoded (what peers
 * accept from the topic). At a low rate each commit goes out at once, so latency
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
        this.#send(batch)
        batch = []
        bytes = 0
      }
      batch.push(op)
      bytes += size
    }
    if (batch.length > 0) this.#send(batch)
    this.#pending = []
    this.#pendingBytes = 0
  }

  /** Publishes a batch, halving it while the estimate fell short of its encoded size. */
  #send (batch: Op[]): void {
    const message = encodeOps(batch)
    if (message.byteLength <= this.#options.maxMessageBytes) {
      this.#publish(message)
    } else if (batch.length === 1) {
      this.#options.oversized(batch[0])
    } else {
      const half = Math.ceil(batch.length / 2)
      this.#send(batch.slice(0, half))
      this.#send(batch.slice(half))
    }
  }

  /** Drops the timer; pending ops are sent first. */
  stop (): void {
    if (this.#pending.length > 0) this.flush()
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
