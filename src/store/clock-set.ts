import { bitmapBackend, type Bitmap32 } from './bitmap/backend.ts'
import { validatePortableBitmap } from './bitmap/portable-format.ts'
import { InvalidMessageError } from './errors.ts'

const TWO_32 = 0x1_0000_0000
/** Seqs are dense from 1 and must stay exact in a double. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER
const MAX_HIGH = Math.floor(MAX_SEQ / TWO_32)

/**
 * A set of sequence numbers (u53) of one writer: a 64-bit roaring "treemap", mapping the high
 * 32 bits to a 32-bit roaring bitmap of the low 32 bits, as CRoaring's `roaring64` portable
 * format lays it out. Contiguous runs of seqs cost a few bytes however long they are.
 */
export class ClockSet {
  /** High 32 bits → bitmap of low 32 bits. Almost always the single bucket 0. */
  private readonly buckets: Map<number, Bitmap32>

  constructor (buckets?: Map<number, Bitmap32>) {
    this.buckets = buckets ?? new Map()
  }

  static of (...seqs: number[]): ClockSet {
    const set = new ClockSet()
    for (const seq of seqs) set.add(seq)
    return set
  }

  get size (): number {
    let size = 0
    for (const bitmap of this.buckets.values()) size += bitmap.size
    return size
  }

  get isEmpty (): boolean {
    for (const bitmap of this.buckets.values()) if (!bitmap.isEmpty) return false
    return true
  }

  has (seq: number): boolean {
    const bitmap = this.buckets.get(Math.floor(seq / TWO_32))
    return bitmap != null && bitmap.has(seq >>> 0)
  }

  add (seq: number): void {
    this.bucket(Math.floor(seq / TWO_32)).add(seq >>> 0)
  }

  /** Adds many seqs with one call into the backend per bucket. */
  addMany (seqs: readonly number[]): void {
    let low = 0
    for (const seq of seqs) if (seq < TWO_32) low++
    if (low > 0) {
      const values = new Uint32Array(low)
      let i = 0
      for (const seq of seqs) if (seq < TWO_32) values[i++] = seq
      this.bucket(0).addMany(values)
    }
    if (low < seqs.length) for (const seq of seqs) if (seq >= TWO_32) this.add(seq)
  }

  /** Adds every seq in `[start, end)`. */
  addRange (start: number, end: number): void {
    while (start < end) {
      const high = Math.floor(start / TWO_32)
      const bucketEnd = Math.min(end, (high + 1) * TWO_32)
      this.bucket(high).addRange(start - high * TWO_32, bucketEnd - high * TWO_32)
      start = bucketEnd
    }
  }

  remove (seq: number): void {
    this.buckets.get(Math.floor(seq / TWO_32))?.remove(seq >>> 0)
  }

  /** Adds every seq of `other` to this set. */
  union (other: ClockSet): this {
    for (const [high, bitmap] of other.buckets) this.bucket(high).orInPlace(bitmap)
    return this
  }

  /** Removes every seq of `other` from this set. */
  subtract (other: ClockSet): this {
    for (const [high, bitmap] of other.buckets) this.buckets.get(high)?.andNotInPlace(bitmap)
    return this
  }

  /** A new set: the seqs of this one that are not in `other`. */
  andNot (other: ClockSet): ClockSet {
    const result = new Map<number, Bitmap32>()
    for (const [high, bitmap] of this.buckets) {
      const theirs = other.buckets.get(high)
      const rest = theirs == null ? bitmap.clone() : bitmap.andNot(theirs)
      if (rest.isEmpty) rest.dispose()
      else result.set(high, rest)
    }
    return new ClockSet(result)
  }

  /** A new set: the seqs in both. */
  intersect (other: ClockSet): ClockSet {
    const result = new Map<number, Bitmap32>()
    for (const [high, bitmap] of this.buckets) {
      const theirs = other.buckets.get(high)
      if (theirs == null) continue
      const both = bitmap.and(theirs)
      if (both.isEmpty) both.dispose()
      else result.set(high, both)
    }
    return new ClockSet(result)
  }

  /** A new set: the seqs in `[start, end)`. */
  slice (start: number, end: number): ClockSet {
    const result = new Map<number, Bitmap32>()
    for (const [high, bitmap] of this.buckets) {
      const base = high * TWO_32
      if (base + TWO_32 <= start || base >= end) continue
      const part = bitmap.clone()
      if (start > base) part.removeRange(0, start - base)
      if (end < base + TWO_32) part.removeRange(end - base, TWO_32)
      if (part.isEmpty) part.dispose()
      else result.set(high, part)
    }
    return new ClockSet(result)
  }

  /** The smallest seq, or undefined when empty. */
  min (): number | undefined {
    for (const high of this.sortedHighs()) {
      const bitmap = this.buckets.get(high)!
      if (!bitmap.isEmpty) return high * TWO_32 + bitmap.min()
    }
    return undefined
  }

  /** The largest seq, or undefined when empty. */
  max (): number | undefined {
    for (const high of this.sortedHighs().reverse()) {
      const bitmap = this.buckets.get(high)!
      if (!bitmap.isEmpty) return high * TWO_32 + bitmap.max()
    }
    return undefined
  }

  isSubsetOf (other: ClockSet): boolean {
    for (const [high, bitmap] of this.buckets) {
      if (bitmap.isEmpty) continue
      const theirs = other.buckets.get(high)
      if (theirs == null || !bitmap.isSubset(theirs)) return false
    }
    return true
  }

  equals (other: ClockSet): boolean {
    return this.isSubsetOf(other) && other.isSubsetOf(this)
  }

  clone (): ClockSet {
    const copy = new Map<number, Bitmap32>()
    for (const [high, bitmap] of this.buckets) copy.set(high, bitmap.clone())
    return new ClockSet(copy)
  }

  /** Seqs in ascending order. */
  * [Symbol.iterator] (): IterableIterator<number> {
    for (const high of this.sortedHighs()) {
      const base = high * TWO_32
      for (const low of this.buckets.get(high)!.toUint32Array()) yield base + low
    }
  }

  toArray (): number[] {
    const out: number[] = []
    for (const high of this.sortedHighs()) {
      const base = high * TWO_32
      for (const low of this.buckets.get(high)!.toUint32Array()) out.push(base + low)
    }
    return out
  }

  /** Frees backend memory (WASM); the set must not be used afterwards. */
  dispose (): void {
    for (const bitmap of this.buckets.values()) bitmap.dispose()
    this.buckets.clear()
  }

  /** CRoaring's 64-bit portable format: u64 bucket count, then per bucket a u32 key and a 32-bit portable bitmap. */
  serialize (): Uint8Array {
    const parts: Array<[number, Uint8Array]> = []
    for (const high of this.sortedHighs()) {
      const bitmap = this.buckets.get(high)!
      if (!bitmap.isEmpty) parts.push([high, bitmap.serializePortable()])
    }
    let length = 8
    for (const [, bytes] of parts) length += 4 + bytes.byteLength
    const out = new Uint8Array(length)
    const view = new DataView(out.buffer)
    view.setUint32(0, parts.length, true)
    let pos = 8
    for (const [high, bytes] of parts) {
      view.setUint32(pos, high, true)
      out.set(bytes, pos + 4)
      pos += 4 + bytes.byteLength
    }
    return out
  }

  /** Reads one serialized set from `bytes[offset…]`, validating every byte; returns it and its length. */
  static read (bytes: Uint8Array, offset = 0): { set: ClockSet, length: number } {
    if (offset + 8 > bytes.byteLength) throw new InvalidMessageError('invalid clock set: truncated')
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const count = view.getUint32(offset, true)
    if (view.getUint32(offset + 4, true) !== 0 || count > MAX_HIGH + 1) {
      throw new InvalidMessageError('invalid clock set: too many buckets')
    }
    let pos = offset + 8
    const ranges: Array<[number, number, number]> = []
    let previousHigh = -1
    for (let i = 0; i < count; i++) {
      if (pos + 4 > bytes.byteLength) throw new InvalidMessageError('invalid clock set: truncated')
      const high = view.getUint32(pos, true)
      if (high <= previousHigh) throw new InvalidMessageError('invalid clock set: buckets out of order')
      if (high > MAX_HIGH) throw new InvalidMessageError('invalid clock set: seq beyond 2^53')
      previousHigh = high
      const length = validatePortableBitmap(bytes, pos + 4)
      ranges.push([high, pos + 4, length])
      pos += 4 + length
    }
    const backend = bitmapBackend()
    const buckets = new Map<number, Bitmap32>()
    for (const [high, start, length] of ranges) {
      const bitmap = backend.deserializePortable(bytes.subarray(start, start + length))
      if (high === MAX_HIGH && !bitmap.isEmpty && high * TWO_32 + bitmap.toUint32Array().at(-1)! > MAX_SEQ) {
        bitmap.dispose()
        throw new InvalidMessageError('invalid clock set: seq beyond 2^53')
      }
      if (bitmap.isEmpty) bitmap.dispose()
      else buckets.set(high, bitmap)
    }
    return { set: new ClockSet(buckets), length: pos - offset }
  }

  static deserialize (bytes: Uint8Array): ClockSet {
    const { set, length } = ClockSet.read(bytes)
    if (length !== bytes.byteLength) {
      set.dispose()
      throw new InvalidMessageError('invalid clock set: trailing bytes')
    }
    return set
  }

  private bucket (high: number): Bitmap32 {
    let bitmap = this.buckets.get(high)
    if (bitmap == null) {
      bitmap = bitmapBackend().create()
      this.buckets.set(high, bitmap)
    }
    return bitmap
  }

  private sortedHighs (): number[] {
    return [...this.buckets.keys()].sort((a, b) => a - b)
  }
}
