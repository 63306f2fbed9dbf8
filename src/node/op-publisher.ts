import { encodeOps } from '../protocols/wire/ops-codec.ts'
import { MAX_WRITERS_PER_MESSAGE } from '../store/limits.ts'
import type { Dot, Op, ReplicaId } from '../store/types.ts'

export interface OpPublisherOptions {
  /** Ops committed within this many ms of the last message share the next one. @default 4 */
  windowMs: number
  /** A message is split between signed batches beyond this size; no message is larger. @default 262144 */
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

function writersOf (op: Op): Set<ReplicaId> {
  const writers = new Set<ReplicaId>()
  if (op.kind === 'set') writers.add(op.dot.replica)
  for (const dot of op.removes) writers.add(dot.replica)
  return writers
}

/** Runs of consecutive ops of one signed batch (an op of no batch is a run of its own). */
function batchesOf (ops: readonly Op[]): Op[][] {
  const units: Op[][] = []
  for (const op of ops) {
    const last = units.at(-1)
    if (last != null && op.batch != null && last[0].batch === op.batch) last.push(op)
    else units.push([op])
  }
  return units
}

/**
 * The op, or, when it alone names more writers than a message may (a key with over a thousand
 * concurrent siblings), the op with part of its removes followed by deletes of the same key
 * carrying the rest: removes only kill dots, so the split changes nothing where they land.
 */
function withinWriterLimit (op: Op): Op[] {
  if (op.removes.length < MAX_WRITERS_PER_MESSAGE) return [op]
  const parts: Dot[][] = [[]]
  let writers = new Set<ReplicaId>(op.kind === 'set' ? [op.dot.replica] : [])
  for (const dot of op.removes) {
    if (!writers.has(dot.replica) && writers.size === MAX_WRITERS_PER_MESSAGE) {
      parts.push([])
      writers = new Set()
    }
    writers.add(dot.replica)
    parts.at(-1)!.push(dot)
  }
  return parts.map((removes, i): Op => i === 0 ? { ...op, removes } : { kind: 'delete', key: op.key, removes })
}

/**
 * Turns local commits into topic messages, each at most `maxMessageBytes` encoded (what peers
 * accept from the topic). At a low rate each commit goes out when its task ends, so latency
 * is one message; commits of one task share it, and in a burst, commits within `windowMs` of
 * the last message are coalesced into the next, since gossipsub carries a few thousand messages
 * a second but far more bytes, and every message costs every peer its envelope, signature check
 * and control ids.
 */
export class OpPublisher {
  readonly #publish: (message: Uint8Array) => void
  readonly #options: OpPublisherOptions
  #pending: Op[] = []
  #pendingBytes = 0
  #lastFlush = Number.NEGATIVE_INFINITY
  #timer: ReturnType<typeof setTimeout> | undefined
  /** A flush is queued for the end of the current task. */
  #queued = false

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
    } else if (this.#timer == null && !this.#queued) {
      const wait = this.#lastFlush + this.#options.windowMs - performance.now()
      if (wait <= 0) {
        // The commits of one task (an app's loop of sets, a batch of remote work) share a
        // message: it leaves when the task ends, which adds no latency.
        this.#queued = true
        queueMicrotask(() => {
          this.#queued = false
          if (this.#pending.length > 0) this.flush()
        })
      } else {
        this.#timer = setTimeout(() => this.flush(), wait)
      }
    }
  }

  /**
   * Sends everything pending now, split by size and by the writers one message may name, never
   * inside a signed batch: a receiver checks a batch's signature over all its ops, so a batch
   * travels whole.
   */
  flush (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#lastFlush = performance.now()
    let message: Op[][] = []
    let bytes = 0
    const writers = new Set<ReplicaId>()
    const send = (): void => {
      if (message.length > 0) this.#send(message)
      message = []
      bytes = 0
      writers.clear()
    }
    for (const unit of batchesOf(this.#pending.flatMap(withinWriterLimit))) {
      let size = 0
      const named = new Set<ReplicaId>()
      for (const op of unit) {
        size += estimate(op)
        for (const id of writersOf(op)) named.add(id)
      }
      let added = 0
      for (const id of named) if (!writers.has(id)) added++
      if (message.length > 0 && (bytes + size > this.#options.maxMessageBytes || writers.size + added > MAX_WRITERS_PER_MESSAGE)) send()
      message.push(unit)
      bytes += size
      for (const id of named) writers.add(id)
    }
    send()
    this.#pending = []
    this.#pendingBytes = 0
  }

  /** Publishes whole batches, halving them while the estimate fell short of their encoded size. */
  #send (units: Op[][]): void {
    const message = encodeOps(units.flat())
    if (message.byteLength <= this.#options.maxMessageBytes) {
      this.#publish(message)
    } else if (units.length === 1) {
      // A batch larger than a message (big values): its ops reach peers by a pull.
      for (const op of units[0]) this.#options.oversized(op)
    } else {
      const half = Math.ceil(units.length / 2)
      this.#send(units.slice(0, half))
      this.#send(units.slice(half))
    }
  }

  /** Drops the timer; pending ops are sent first. */
  stop (): void {
    if (this.#pending.length > 0) this.flush()
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
