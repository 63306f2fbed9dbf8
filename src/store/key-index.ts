import type { Entry } from './replica-state.ts'

/** A 32-bit hash of `length` bytes at `offset` (murmur3's mixing, four bytes at a time). */
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
  return h | 0
}

const MIN_CAPACITY = 16

/**
 * The live entries by key: an open-addressing hash table (linear probing, at most half full)
 * from key bytes to the head of the key's chain. Keys are not stored here: each entry's key
 * bytes sit in the arena beside its value, and its hash on the entry. A `Map` would need every
 * key as a string, which costs more to build and to hash than the whole lookup does here.
 */
export class KeyIndex {
  #capacity = MIN_CAPACITY
  #heads: Array<Entry | undefined> = new Array(MIN_CAPACITY).fill(undefined)
  #size = 0

  get size (): number {
    return this.#size
  }

  /** The chain at the key of `length` bytes at `start` in `bytes`, whose hash is `hash`. */
  get (bytes: Uint8Array, start: number, length: number, hash: number): Entry | undefined {
    const heads = this.#heads
    const mask = this.#capacity - 1
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const head = heads[i]
      if (head == null) return undefined
      if (head.hash === hash && head.keyEquals(bytes, start, length)) return head
    }
  }

  /** Grows the table now for `count` more keys, rather than step by step as they come. */
  reserve (count: number): void {
    let capacity = this.#capacity
    while ((this.#size + count) * 2 > capacity) capacity *= 2
    if (capacity > this.#capacity) this.#resize(capacity)
  }

  /** The chain at the key `entry` holds (any entry of the chain will do). */
  chainOf (entry: Entry): Entry | undefined {
    const heads = this.#heads
    const mask = this.#capacity - 1
    for (let i = entry.hash & mask; ; i = (i + 1) & mask) {
      const head = heads[i]
      if (head == null) return undefined
      if (head.hash === entry.hash && head.sameKey(entry)) return head
    }
  }

  /** Makes `head` the chain at its key, replacing whatever was there. */
  set (head: Entry): void {
    const mask = this.#capacity - 1
    const heads = this.#heads
    for (let i = head.hash & mask; ; i = (i + 1) & mask) {
      const current = heads[i]
      if (current == null) {
        heads[i] = head
        if (++this.#size * 2 > this.#capacity) this.#resize(this.#capacity * 2)
        return
      }
      if (current.hash === head.hash && current.sameKey(head)) {
        heads[i] = head
        return
      }
    }
  }

  /** Removes the chain at the key `entry` holds, if any. */
  delete (entry: Entry): void {
    const mask = this.#capacity - 1
    const heads = this.#heads
    let i = entry.hash & mask
    while (true) {
      const current = heads[i]
      if (current == null) return
      if (current.hash === entry.hash && current.sameKey(entry)) break
      i = (i + 1) & mask
    }
    // Backward-shift deletion: pull later members of the probe run into the hole, so lookups
    // never need tombstones.
    let hole = i
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const current = heads[j]
      if (current == null) break
      const home = current.hash & mask
      // Moves into the hole unless its home lies cyclically in (hole, j].
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        heads[hole] = current
        hole = j
      }
    }
    heads[hole] = undefined
    this.#size--
    if (this.#capacity > MIN_CAPACITY && this.#size * 8 < this.#capacity) this.#resize(this.#capacity / 2)
  }

  /** Every chain head, in no particular order. */
  * heads (): Generator<Entry> {
    for (const head of this.#heads) if (head != null) yield head
  }

  #resize (capacity: number): void {
    const old = this.#heads
    const heads: Array<Entry | undefined> = new Array(capacity).fill(undefined)
    const mask = capacity - 1
    for (const head of old) {
      if (head == null) continue
      let i = head.hash & mask
      while (heads[i] != null) i = (i + 1) & mask
      heads[i] = head
    }
    this.#heads = heads
    this.#capacity = capacity
  }
}
