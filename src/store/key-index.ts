import type { Entry } from './replica-state.ts'

/**
 * A 30-bit hash of `length` bytes at `offset` (murmur3's mixing, four bytes at a time): 30 bits
 * so that V8 keeps it as a small integer on the entry rather than boxing it.
 */
export function hashKey (bytes: Uint8Array, offset: number, length: number): number {
  let h = 0x9747b28c ^ length
  const end = offset + (length & ~3)
  let i = offset
  for (; i < end; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    h ^= Math.imul(k, 0x1b873593)
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  for (; i < offset + length; i++) h = Math.imul(h ^ bytes[i], 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h & 0x3fffffff
}

const MIN_CAPACITY = 16
/** Marks a free slot in the hash column: key hashes are 30-bit, never negative. */
const FREE = -1

/**
 * The live entries by key: an open-addressing hash table (linear probing, at most half full)
 * from key bytes to the head of the key's chain. Keys are not stored here: each entry's key
 * bytes sit in the arena beside its value. Each slot's hash is kept in a typed column, so a
 * probe and a resize read one compact array and touch an entry only when the hash matches.
 * A `Map` would need every key as a string, which costs more to build and to hash than the
 * whole lookup does here.
 */
export class KeyIndex {
  #capacity = MIN_CAPACITY
  #hashes = new Int32Array(MIN_CAPACITY).fill(FREE)
  #heads: Array<Entry | undefined> = new Array(MIN_CAPACITY).fill(undefined)
  #size = 0

  get size (): number {
    return this.#size
  }

  /** The chain at the key of `length` bytes at `start` in `bytes`, whose hash is `hash`. */
  get (bytes: Uint8Array, start: number, length: number, hash: number): Entry | undefined {
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
      if (slotHash === FREE || (slotHash === hash && this.#heads[i]!.keyEquals(bytes, start, length))) return i
    }
  }

  /** The chain in a slot {@link find} returned, if any. */
  headAt (slot: number): Entry | undefined {
    return this.#heads[slot]
  }

  /** Makes `head` the chain in `slot`, which {@link find} returned for its key with nothing changed since. */
  putAt (slot: number, head: Entry): void {
    this.#heads[slot] = head
    if (this.#hashes[slot] !== FREE) return
    this.#hashes[slot] = head.hash
    if (++this.#size * 2 > this.#capacity) this.#resize(this.#capacity * 2)
  }

  /** Grows the table now for `count` more keys, rather than step by step as they come. */
  reserve (count: number): void {
    let capacity = this.#capacity
    while ((this.#size + count) * 2 > capacity) capacity *= 2
    if (capacity > this.#capacity) this.#resize(capacity)
  }

  /** The slot holding the chain at the key `entry` holds, or the free slot where it would go. */
  #slotOf (entry: Entry): number {
    return this.find(entry.chunk, entry.offset, entry.keyLength, entry.hash)
  }

  /** The chain at the key `entry` holds (any entry of the chain will do). */
  chainOf (entry: Entry): Entry | undefined {
    return this.#heads[this.#slotOf(entry)]
  }

  /** Makes `head` the chain at its key, replacing whatever was there. */
  set (head: Entry): void {
    this.putAt(this.#slotOf(head), head)
  }

  /** Removes the chain at the key `entry` holds, if any. */
  delete (entry: Entry): void {
    const hole = this.#slotOf(entry)
    if (this.#hashes[hole] === FREE) return
    this.#clear(hole)
    this.#size--
    if (this.#capacity > MIN_CAPACITY && this.#size * 8 < this.#capacity) this.#resize(this.#capacity / 2)
  }

  /** Every chain head, in no particular order. */
  * heads (): Generator<Entry> {
    for (const head of this.#heads) if (head != null) yield head
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
    heads[hole] = undefined
  }

  #resize (capacity: number): void {
    const oldHashes = this.#hashes
    const oldHeads = this.#heads
    const hashes = new Int32Array(capacity).fill(FREE)
    const heads: Array<Entry | undefined> = new Array(capacity).fill(undefined)
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
