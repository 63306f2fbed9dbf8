import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'
import { storeBuffer } from './store-memory.ts'
import type { WriteRecords } from './write-record.ts'
import type { Dot, Hlc, Op, ReplicaId } from './types.ts'

/** The removes of a set on a fresh key, the most common op: one frozen array for all of them. */
const NO_DOTS: readonly Dot[] = Object.freeze([])

/** A dot of every entry in a chain. */
function dotsOf (rows: EntryRows, head: Row): readonly Dot[] {
  if (head === NO_ROW) return NO_DOTS
  const dots: Dot[] = []
  for (let row = head; row !== NO_ROW; row = rows.next(row)) dots.push({ replica: rows.writer(row).id, seq: rows.seq(row) })
  return dots
}

/** A column of `length` numbers: in the heap when small, else in store memory. */
function int32s (length: number): Int32Array {
  return length <= 16 ? new Int32Array(length) : new Int32Array(storeBuffer(4 * length))
}

/**
 * A committed transaction's ops, taken down as numbers when it commits and made into `Op` objects
 * when {@link ops} is called. A commit's ops go to the signer, which takes them a microtask later:
 * an object and two views per write, made at once, were a fifth of a 100,000-set transaction and
 * at a million pushed V8 into full collections. What is taken down stays right whatever happens
 * to the store meanwhile: the rows a write replaced are read now (they are freed once the commit's
 * listeners have run), and keys and values are found by their arena chunk itself, which stays
 * unchanged while a view of it lives (a compaction copies entries to fresh chunks).
 */
export class CommittedOps {
  readonly #replica: ReplicaId
  readonly #hlc: Hlc
  /** The chunks holding the ops' keys and values. */
  readonly #chunks: Uint8Array[] = []
  /** Per op: its chunk's number in {@link #chunks}, then -1 for a delete. */
  readonly #chunkIds: Int32Array
  readonly #offsets: Int32Array
  readonly #keyLengths: Int32Array
  readonly #valueLengths: Int32Array
  /** A set's seq, as an offset from `first` (a transaction's sets have contiguous seqs). */
  readonly #first: number
  readonly #seqOffsets: Int32Array
  /** The dots an op removes, for the ops that remove any. */
  readonly #removes = new Map<number, readonly Dot[]>()

  /** Takes down the ops of the writes in `writes`, whose sets have seqs from `first`. */
  constructor (rows: EntryRows, writes: WriteRecords, replica: ReplicaId, hlc: Hlc, first: number) {
    const n = writes.length
    this.#replica = replica
    this.#hlc = hlc
    this.#first = first
    this.#chunkIds = int32s(n)
    this.#offsets = int32s(n)
    this.#keyLengths = int32s(n)
    this.#valueLengths = int32s(n)
    this.#seqOffsets = int32s(n)
    let lastChunk: Uint8Array | undefined
    for (let i = 0; i < n; i++) {
      const before = writes.before(i)
      const after = writes.after(i)
      const row = after === NO_ROW ? before : after
      const chunk = rows.chunkOf(row)
      if (chunk !== lastChunk) {
        lastChunk = chunk
        this.#chunks.push(chunk)
      }
      this.#chunkIds[i] = this.#chunks.length - 1
      this.#offsets[i] = rows.offsetOf(row)
      this.#keyLengths[i] = rows.keyLengthOf(row)
      if (after === NO_ROW) this.#valueLengths[i] = -1
      else {
        this.#valueLengths[i] = rows.valueLengthOf(row)
        this.#seqOffsets[i] = rows.seq(row) - first
      }
      if (before !== NO_ROW) this.#removes.set(i, dotsOf(rows, before))
    }
  }

  get length (): number {
    return this.#chunkIds.length
  }

  /** The ops, in write order, to send as one message. */
  ops (): Op[] {
    // The transaction's clock object is the ops' alone: entries keep theirs as numbers.
    const hlc = this.#hlc
    const ops: Op[] = new Array(this.length)
    for (let i = 0; i < ops.length; i++) {
      const chunk = this.#chunks[this.#chunkIds[i]]
      const start = this.#offsets[i]
      const keyEnd = start + this.#keyLengths[i]
      const key = chunk.subarray(start, keyEnd)
      const removes = this.#removes.size === 0 ? NO_DOTS : this.#removes.get(i) ?? NO_DOTS
      const valueLength = this.#valueLengths[i]
      ops[i] = valueLength < 0
        ? { kind: 'delete', key, removes }
        : { kind: 'set', key, value: chunk.subarray(keyEnd, keyEnd + valueLength), dot: { replica: this.#replica, seq: this.#first + this.#seqOffsets[i] }, hlc, removes }
    }
    return ops
  }
}
