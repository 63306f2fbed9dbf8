import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'
import { hashKey } from './key-hash.ts'
import { keyedKeyHash, type KeyHash } from './keyed-key-hash.ts'
import { storeBuffer } from './store-memory.ts'

const MIN_CAPACITY = 16
/** Marks a free slot in the hash column: key hashes are 30-bit, never negative. */
const FREE = -1
/**
 * A probe this far from its key's home slot means keys were chosen to collide. At most half full,
 * a table of random hashes has runs this long with odds below e^-49 (a run of k slots: ~0.82^k),
 * so no honest store reaches it; keys made to collide under murmur3 (whose mixing is public and
 * inverts) would otherwise make each insert cost every colliding key before it.
 */
const MAX_PROBE = 256

/**
 * The live entries by key: an open-addressing hash table (linear probing, at most half full)
 * from key bytes to the row heading the key's chain. Each slot is two numbers side by side in
 * one typed array, the key's hash then the row, so that a probe touches one cache line. Keys are
 * not stored here: each row's key bytes sit in the arena beside its value, and a probe reads a
 * row only when the hash matches. A `Map` would need every key as a string, which costs more to
 * build and to hash than the whole lookup does here, and an object per key for the collector.
 *
 * Keys are hashed with murmur3 (fast, public) until a probe runs past {@link MAX_PROBE} slots:
 * then the index draws a secret and files every key again under a keyed hash, for good (see
 * keyed-key-hash.ts). Callers hash with {@link hash}, whichever it is now.
 */
export class KeyIndex {
  private readonly rows: EntryRows
  private capacity = MIN_CAPACITY
  /** Slot i: its key's hash at 2i ({@link FREE} if empty), its chain's head row at 2i + 1. */
  private slots = emptySlots(MIN_CAPACITY)
  private count = 0
  #hash: KeyHash
  #keyed = false
  /** A probe ran past MAX_PROBE: the next insert files every key under a keyed hash. */
  #congested = false

  /** `hash` is the public hash keys are filed under until they are seen to collide. */
  constructor (rows: EntryRows, hash: KeyHash = hashKey) {
    this.rows = rows
    this.#hash = hash
  }

  get size (): number {
    return this.count
  }

  /** Whether keys were seen to collide, and are filed under a secret keyed hash since. */
  get keyed (): boolean {
    return this.#keyed
  }

  /** The hash to file the `length` bytes at `start` in `bytes` under, now. */
  hash (bytes: Uint8Array, start: number, length: number): number {
    return this.#hash(bytes, start, length)
  }

  /** The chain at the key of `length` bytes at `start` in `bytes`, whose hash is `hash`. */
  get (bytes: Uint8Array, start: number, length: number, hash: number): Row {
    return this.slots[2 * this.find(bytes, start, length, hash) + 1]
  }

  /**
   * The slot holding the chain at the key of `length` bytes at `start` in `bytes`, or the free
   * slot where it would go: read it with {@link headAt}, fill it with {@link putAt}, so that a
   * write probes once. Valid until the table next changes.
   */
  find (bytes: Uint8Array, start: number, length: number, hash: number): number {
    const slots = this.slots
    const mask = this.capacity - 1
    const home = hash & mask
    for (let i = home; ; i = (i + 1) & mask) {
      const slotHash = slots[2 * i]
      if (slotHash === FREE || (slotHash === hash && this.rows.keyEquals(slots[2 * i + 1], bytes, start, length))) {
        if (((i - home) & mask) > MAX_PROBE && !this.#keyed) this.#congested = true
        return i
      }
    }
  }

  /** The chain in a slot {@link find} returned, or {@link NO_ROW}. */
  headAt (slot: number): Row {
    return this.slots[2 * slot + 1]
  }

  /** Makes `head` the chain in `slot`, which {@link find} returned for its key (hashed `hash`) with nothing changed since. */
  putAt (slot: number, head: Row, hash: number): void {
    this.slots[2 * slot + 1] = head
    if (this.slots[2 * slot] !== FREE) return
    this.slots[2 * slot] = hash
    if (++this.count * 2 > this.capacity) this.#resize(this.capacity * 2)
    if (this.#congested) this.#fileUnderSecret()
  }

  /** Grows the table now for `count` more keys, rather than step by step as they come. */
  reserve (count: number): void {
    let capacity = this.capacity
    while ((this.count + count) * 2 > capacity) capacity *= 2
    if (capacity > this.capacity) this.#resize(capacity)
  }

  /** The slot holding the chain at the key `row` holds, or the free slot where it would go. */
  #slotOf (row: Row, hash: number): number {
    const key = this.rows.key(row)
    return this.find(key, 0, key.byteLength, hash)
  }

  /** The chain at the key `row` holds (any row of the chain will do). */
  chainOf (row: Row): Row {
    return this.headAt(this.#slotOf(row, this.rows.keyHash(row, this.#hash)))
  }

  /** Makes `head` the chain at its key, replacing whatever was there. */
  set (head: Row): void {
    const hash = this.rows.keyHash(head, this.#hash)
    this.putAt(this.#slotOf(head, hash), head, hash)
  }

  /** Removes the chain at the key `row` holds, if any. */
  delete (row: Row): void {
    const hole = this.#slotOf(row, this.rows.keyHash(row, this.#hash))
    if (this.slots[2 * hole] === FREE) return
    this.#clear(hole)
    this.count--
    if (this.capacity > MIN_CAPACITY && this.count * 8 < this.capacity) this.#resize(this.capacity / 2)
  }

  /** Every chain head, in no particular order. */
  * heads (): Generator<Row> {
    for (let i = 0; i < this.capacity; i++) if (this.slots[2 * i] !== FREE) yield this.slots[2 * i + 1]
  }

  /**
   * Frees slot `i`. Backward-shift deletion: later members of the probe run move into the hole
   * (unless their home lies cyclically in (hole, j]), so lookups never need tombstones.
   */
  #clear (i: number): void {
    const slots = this.slots
    const mask = this.capacity - 1
    let hole = i
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const slotHash = slots[2 * j]
      if (slotHash === FREE) break
      if (((j - (slotHash & mask)) & mask) >= ((j - hole) & mask)) {
        slots[2 * hole] = slotHash
        slots[2 * hole + 1] = slots[2 * j + 1]
        hole = j
      }
    }
    slots[2 * hole] = FREE
    slots[2 * hole + 1] = NO_ROW
  }

  #resize (capacity: number): void {
    const old = this.slots
    const slots = emptySlots(capacity)
    const mask = capacity - 1
    for (let j = 0; j < old.length; j += 2) {
      const hash = old[j]
      if (hash === FREE) continue
      let i = hash & mask
      while (slots[2 * i] !== FREE) i = (i + 1) & mask
      slots[2 * i] = hash
      slots[2 * i + 1] = old[j + 1]
    }
    this.slots = slots
    this.capacity = capacity
  }

  /**
   * Files every key again under a keyed hash with a fresh secret. Once only: a collision under a
   * secret nobody holds is chance, which the size of the tables keeps in bounds.
   */
  #fileUnderSecret (): void {
    this.#congested = false
    this.#keyed = true
    this.#hash = keyedKeyHash()
    const old = this.slots
    for (let j = 0; j < old.length; j += 2) if (old[j] !== FREE) old[j] = this.rows.keyHash(old[j + 1], this.#hash)
    this.#resize(this.capacity)
  }
}

/** `capacity` free slots. */
function emptySlots (capacity: number): Int32Array {
  // FREE and NO_ROW are both -1: every word of a free slot.
  return new Int32Array(storeBuffer(8 * capacity)).fill(-1)
}
