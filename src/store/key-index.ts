import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'

const MIN_CAPACITY = 16
/** Marks a free slot in the hash column: key hashes are 30-bit, never negative. */
const FREE = -1

/**
 * The live entries by key: an open-addressing hash table (linear probing, at most half full)
 * from key bytes to the row heading the key's chain, in two typed columns (hash, row). Keys are
 * not stored here: each row's key bytes sit in the arena beside its value, and a probe reads a
 * row only when the hash matches. A `Map` would need every key as a string, which costs more to
 * build and to hash than the whole lookup does here, and an object per key for the collector.
 */
export class KeyIndex {
  readonly #rows: EntryRows
  #capacity = MIN_CAPACITY
  #hashes = new Int32Array(MIN_CAPACITY).fill(FREE)
  #heads = new Int32Array(MIN_CAPACITY).fill(NO_ROW)
  #size = 0

  constructor (rows: EntryRows) {
    this.#rows = rows
  }

  get size (): number {
    return this.#size
  }

  /** The chain at the key of `length` bytes at `start` in `bytes`, whose hash is `hash`. */
  get (bytes: Uint8Array, start: number, length: number, hash: number): Row {
    return this.#heads[this.find(bytes, start, length, hash)]
  }

  /**
   * The slot holding the chain at the key of `length` bytes at `start` in `bytes`, or the free
   * slot where it would go: read it with {@link headAt}, fill it with {@link putAt}, so that a
   * write probes once. Valid until the table next changes.
   */
  find (bytes: Uint8Array, start: number, length: number, hash: number): number {
    const hashes = this.#hashes
    const mask = this.#capacity - 1
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slotHash = hashes[i]
      if (slotHash === FREE || (slotHash === hash && this.#rows.keyEquals(this.#heads[i], bytes, start, length))) return i
    }
  }

  /** The chain in a slot {@link find} returned, or {@link NO_ROW}. */
  headAt (slot: number): Row {
    return this.#heads[slot]
  }

  /** Makes `head` the chain in `slot`, which {@link find} returned for its key (hashed `hash`) with nothing changed since. */
  putAt (slot: number, head: Row, hash: number): void {
    this.#heads[slot] = head
    if (this.#hashes[slot] !== FREE) return
    this.#hashes[slot] = hash
    if (++this.#size * 2 > this.#capacity) this.#resize(this.#capacity * 2)
  }

  /** Grows the table now for `count` more keys, rather than step by step as they come. */
  reserve (count: number): void {
    let capacity = this.#capacity
    while ((this.#size + count) * 2 > capacity) capacity *= 2
    if (capacity > this.#capacity) this.#resize(capacity)
  }

  /** The slot holding the chain at the key `row` holds, or the free slot where it would go. */
  #slotOf (row: Row, hash: number): number {
    const key = this.#rows.key(row)
    return this.find(key, 0, key.byteLength, hash)
  }

  /** The chain at the key `row` holds (any row of the chain will do). */
  chainOf (row: Row): Row {
    return this.#heads[this.#slotOf(row, this.#rows.keyHash(row))]
  }

  /** Makes `head` the chain at its key, replacing whatever was there. */
  set (head: Row): void {
    const hash = this.#rows.keyHash(head)
    this.putAt(this.#slotOf(head, hash), head, hash)
  }

  /** Removes the chain at the key `row` holds, if any. */
  delete (row: Row): void {
    const hole = this.#slotOf(row, this.#rows.keyHash(row))
    if (this.#hashes[hole] === FREE) return
    this.#clear(hole)
    this.#size--
    if (this.#capacity > MIN_CAPACITY && this.#size * 8 < this.#capacity) this.#resize(this.#capacity / 2)
  }

  /** Every chain head, in no particular order. */
  * heads (): Generator<Row> {
    for (let i = 0; i < this.#capacity; i++) if (this.#hashes[i] !== FREE) yield this.#heads[i]
  }

  /**
   * Frees slot `i`. Backward-shift deletion: later members of the probe run move into the hole
   * (unless their home lies cyclically in (hole, j]), so lookups never need tombstones.
   */
  #clear (i: number): void {
    const hashes = this.#hashes
    const heads = this.#heads
    const mask = this.#capacity - 1
    let hole = i
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const slotHash = hashes[j]
      if (slotHash === FREE) break
      if (((j - (slotHash & mask)) & mask) >= ((j - hole) & mask)) {
        hashes[hole] = slotHash
        heads[hole] = heads[j]
        hole = j
      }
    }
    hashes[hole] = FREE
    heads[hole] = NO_ROW
  }

  #resize (capacity: number): void {
    const oldHashes = this.#hashes
    const oldHeads = this.#heads
    const hashes = new Int32Array(capacity).fill(FREE)
    const heads = new Int32Array(capacity).fill(NO_ROW)
    const mask = capacity - 1
    for (let j = 0; j < oldHashes.length; j++) {
      const hash = oldHashes[j]
      if (hash === FREE) continue
      let i = hash & mask
      while (hashes[i] !== FREE) i = (i + 1) & mask
      hashes[i] = hash
      heads[i] = oldHeads[j]
    }
    this.#hashes = hashes
    this.#heads = heads
    this.#capacity = capacity
  }
}
