import type { Bitmap32 } from './bitmap/backend.ts'
import { forEachRun } from './bitmap/portable-runs.ts'
import { readBuckets, serializeBuckets } from './clock-set-codec.ts'
import { InvalidMessageError } from './errors.ts'
import { MAX_SEQ } from './limits.ts'
import { addRangeToBuckets, bucketOf, sliceBuckets, sortedHighs, TWO_32 } from './seq-buckets.ts'

export { MAX_SEQ }

/**
 * A set of sequence numbers (u53) of one writer: a 64-bit roaring "treemap", mapping the high
 * 32 bits to a 32-bit roaring bitmap of the low 32 bits, as CRoaring's `roaring64` portable
 * format lays it out. Contiguous runs of seqs cost a few bytes however long they are.
 */
export class ClockSet {
  /** High 32 bits → bitmap of low 32 bits. Almost always the single bucket 0. */
  private readonly buckets: Map<number, Bitmap32>
  // Seqs mostly arrive in order, one or a few at a time (a writer's ops, a transaction's dots):
  // a call into the backend costs more than the rest of such an add. So seqs added above the
  // largest are kept as a run [tailStart, end) in plain numbers, and reach the bitmaps only when
  // some other operation needs them there (flush). Every seq in the bitmaps is below tailStart.
  /** One past the largest seq (0 when empty), or -1 when not known without asking the bitmaps. */
  #end: number
  #tailStart: number

  constructor (buckets?: Map<number, Bitmap32>) {
    this.buckets = buckets ?? new Map()
    this.#end = buckets == null ? 0 : -1
    this.#tailStart = this.#end
  }

  /** Moves the tail run into the bitmaps. */
  #flush (): void {
    if (this.#tailStart >= this.#end) return
    const start = this.#tailStart
    this.#tailStart = this.#end
    addRangeToBuckets(this.buckets, start, this.#end)
  }

  /** The bitmaps, with the tail run moved in, for an operation that reads them. */
  #flushed (): Map<number, Bitmap32> {
    this.#flush()
    return this.buckets
  }

  /** After a change that may lower the largest seq: find it again when next asked. */
  #forgetEnd (): void {
    this.#flush()
    this.#end = -1
    this.#tailStart = -1
  }

  static of (...seqs: number[]): ClockSet {
    const set = new ClockSet()
    for (const seq of seqs) set.add(seq)
    return set
  }

  get size (): number {
    let size = this.#tailStart < this.#end ? this.#end - this.#tailStart : 0
    for (const bitmap of this.buckets.values()) size += bitmap.size
    return size
  }

  get isEmpty (): boolean {
    if (this.#end >= 0) return this.#end === 0
    for (const bitmap of this.buckets.values()) if (!bitmap.isEmpty) return false
    return true
  }

  has (seq: number): boolean {
    if (seq >= this.#tailStart && this.#end >= 0) return seq < this.#end
    const bitmap = this.buckets.get(Math.floor(seq / TWO_32))
    return bitmap != null && bitmap.has(seq >>> 0)
  }

  add (seq: number): void {
    this.addRange(seq, seq + 1)
  }

  /** Adds many seqs with one call into the backend per bucket. */
  addMany (seqs: readonly number[]): void {
    if (seqs.length === 0) return
    // A run (a sync from scratch sends a writer's seqs in order, often without a gap) is a range.
    const first = seqs[0]
    let run = true
    for (let i = 1; i < seqs.length && run; i++) run = seqs[i] === first + i
    if (run) {
      this.addRange(first, first + seqs.length)
      return
    }
    this.#forgetEnd()
    let low = 0
    for (const seq of seqs) if (seq < TWO_32) low++
    if (low > 0) {
      const values = new Uint32Array(low)
      let i = 0
      for (const seq of seqs) if (seq < TWO_32) values[i++] = seq
      bucketOf(this.buckets, 0).addMany(values)
    }
    if (low < seqs.length) for (const seq of seqs) if (seq >= TWO_32) this.add(seq)
  }

  /** Adds every seq in `[start, end)`. */
  addRange (start: number, end: number): void {
    if (start >= end) return
    if (this.#end >= 0 && start >= this.#end) {
      if (start > this.#end) {
        this.#flush()
        this.#tailStart = start
      }
      this.#end = end
      return
    }
    this.#flush()
    if (this.#end >= 0) this.#end = Math.max(this.#end, end)
    this.#tailStart = this.#end
    addRangeToBuckets(this.buckets, start, end)
  }

  remove (seq: number): void {
    if (this.#end >= 0 && seq >= this.#end) return
    this.#flush()
    this.buckets.get(Math.floor(seq / TWO_32))?.remove(seq >>> 0)
    if (seq === this.#end - 1) this.#forgetEnd()
  }

  /** Adds every seq of `other` to this set. */
  union (other: ClockSet): this {
    this.#forgetEnd()
    for (const [high, bitmap] of other.#flushed()) bucketOf(this.buckets, high).orInPlace(bitmap)
    return this
  }

  /** Removes every seq of `other` from this set. */
  subtract (other: ClockSet): this {
    this.#forgetEnd()
    for (const [high, bitmap] of other.#flushed()) this.buckets.get(high)?.andNotInPlace(bitmap)
    return this
  }

  /** A new set: the seqs of this one that are not in `other`. */
  andNot (other: ClockSet): ClockSet {
    const result = new Map<number, Bitmap32>()
    const theirBuckets = other.#flushed()
    for (const [high, bitmap] of this.#flushed()) {
      const theirs = theirBuckets.get(high)
      const rest = theirs == null ? bitmap.clone() : bitmap.andNot(theirs)
      if (rest.isEmpty) rest.dispose()
      else result.set(high, rest)
    }
    return new ClockSet(result)
  }

  /**
   * A new set: the seqs in both. Costs work in this set's size and `other`'s bitmaps, never in
   * `other`'s tail run, however long it claims to be (a diff request's "seen 1..N" is one).
   */
  intersect (other: ClockSet): ClockSet {
    const result = new Map<number, Bitmap32>()
    for (const [high, bitmap] of this.#flushed()) {
      const theirs = other.buckets.get(high)
      if (theirs == null) continue
      const both = bitmap.and(theirs)
      if (both.isEmpty) both.dispose()
      else result.set(high, both)
    }
    if (other.#tailStart >= 0 && other.#tailStart < other.#end) {
      const inTail = this.slice(other.#tailStart, other.#end)
      for (const [high, bitmap] of inTail.buckets) {
        const known = result.get(high)
        if (known == null) {
          result.set(high, bitmap)
        } else {
          known.orInPlace(bitmap)
          bitmap.dispose()
        }
      }
    }
    return new ClockSet(result)
  }

  /** A new set: the seqs in `[start, end)`. */
  slice (start: number, end: number): ClockSet {
    return new ClockSet(sliceBuckets(this.#flushed(), start, end))
  }

  /** The smallest seq, or undefined when empty. */
  min (): number | undefined {
    this.#flush()
    for (const high of sortedHighs(this.buckets)) {
      const bitmap = this.buckets.get(high)!
      if (!bitmap.isEmpty) return high * TWO_32 + bitmap.min()
    }
    return undefined
  }

  /** The largest seq, or undefined when empty. */
  max (): number | undefined {
    if (this.#end < 0) {
      this.#end = 0
      for (const high of sortedHighs(this.buckets).reverse()) {
        const bitmap = this.buckets.get(high)!
        if (!bitmap.isEmpty) {
          this.#end = high * TWO_32 + bitmap.max() + 1
          break
        }
      }
      this.#tailStart = this.#end
    }
    return this.#end === 0 ? undefined : this.#end - 1
  }

  isSubsetOf (other: ClockSet): boolean {
    const theirBuckets = other.#flushed()
    for (const [high, bitmap] of this.#flushed()) {
      if (bitmap.isEmpty) continue
      const theirs = theirBuckets.get(high)
      if (theirs == null || !bitmap.isSubset(theirs)) return false
    }
    return true
  }

  equals (other: ClockSet): boolean {
    return this.isSubsetOf(other) && other.isSubsetOf(this)
  }

  clone (): ClockSet {
    const copy = new Map<number, Bitmap32>()
    for (const [high, bitmap] of this.#flushed()) copy.set(high, bitmap.clone())
    return new ClockSet(copy)
  }

  /**
   * Calls `fn(start, end)` for runs `[start, end)` that together hold every seq once, in work
   * linear in the set's serialized size, however many seqs the runs hold. Adjacent runs are not
   * always merged.
   */
  forEachRun (fn: (start: number, end: number) => void): void {
    for (const high of sortedHighs(this.buckets)) {
      const bitmap = this.buckets.get(high)!
      if (!bitmap.isEmpty) forEachRun(bitmap.serializePortable(), high * TWO_32, fn)
    }
    // The tail run is never in the bitmaps.
    if (this.#tailStart >= 0 && this.#tailStart < this.#end) fn(this.#tailStart, this.#end)
  }

  /** Seqs in ascending order. */
  * [Symbol.iterator] (): IterableIterator<number> {
    this.#flush()
    for (const high of sortedHighs(this.buckets)) {
      const base = high * TWO_32
      for (const low of this.buckets.get(high)!.toUint32Array()) yield base + low
    }
  }

  toArray (): number[] {
    this.#flush()
    const out: number[] = []
    for (const high of sortedHighs(this.buckets)) {
      const base = high * TWO_32
      for (const low of this.buckets.get(high)!.toUint32Array()) out.push(base + low)
    }
    return out
  }

  /** Frees backend memory (WASM); the set must not be used afterwards. */
  dispose (): void {
    for (const bitmap of this.buckets.values()) bitmap.dispose()
    this.buckets.clear()
    this.#end = 0
    this.#tailStart = 0
  }

  /** CRoaring's 64-bit portable format: u64 bucket count, then per bucket a u32 key and a 32-bit portable bitmap. */
  serialize (): Uint8Array {
    return serializeBuckets(this.#flushed())
  }

  /** Reads one serialized set from `bytes[offset…]`, validating every byte; returns it and its length. */
  static read (bytes: Uint8Array, offset = 0): { set: ClockSet, length: number } {
    const { buckets, length } = readBuckets(bytes, offset)
    return { set: new ClockSet(buckets), length }
  }

  static deserialize (bytes: Uint8Array): ClockSet {
    const { set, length } = ClockSet.read(bytes)
    if (length !== bytes.byteLength) {
      set.dispose()
      throw new InvalidMessageError('invalid clock set: trailing bytes')
    }
    return set
  }
}
