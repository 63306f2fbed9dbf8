// Entry packs: how a LevelStore of format 4 keeps its entries on disk (record-keys.ts has the
// rest of the layout). A level database pays per record on every read (classic-level makes two
// Buffers for each one on the main thread: 1,000,000 records took 1.6–4.7 s to read), so the
// entries are not one record per key but packed, many keys to a record:
//
//   'T' u64be(2^53 − 1 − n) → pack n: u32 item count, then per item:
//                              u32 key length, key bytes, the key's live entries as a 'V' record
//                              holds them (u32 count, then each entry), count 0 when it has none
//
// (sealed with a CRC-32C, as every record). Every commit writes the keys it changed as new packs
// (cut at PACK_BYTES); a key's item in the pack with the highest number is its state, and an item
// with no entries says the key has none, over whatever older packs hold. The number counts down
// in the key, so a read in key order meets the newest pack first. pack-compaction.ts merges
// packs as items die.

import { CorruptStoreError } from '../errors.ts'
import { MAX_KEY_BYTES } from '../limits.ts'
import type { ChainEntry } from '../entry-rows.ts'
import { chainBytes, readChain, writeChain, type StoredEntry } from './chain-record.ts'
import { PACKED_FORMAT, sealValue, unsealValue } from './record-codec.ts'
import { viewOf } from './record-fields.ts'

const PACK = 0x54 // 'T'
/** Packs are cut at about this size (a single larger item makes a pack of its own). */
export const PACK_BYTES = 64 << 10
const TOP = 2 ** 53 - 1
const TWO_32 = 0x1_0000_0000

function corrupt (why: string): never {
  throw new CorruptStoreError(`corrupt store: ${why}`)
}

/** Every pack's key, and no other record's. */
export const PACK_RANGE = { gte: Uint8Array.of(PACK), lt: Uint8Array.of(PACK + 1) }

export function isPackKey (key: Uint8Array): boolean {
  return key[0] === PACK
}

export function packKey (n: number): Uint8Array {
  const key = new Uint8Array(9)
  key[0] = PACK
  const down = TOP - n
  const view = viewOf(key)
  view.setUint32(1, Math.floor(down / TWO_32), false)
  view.setUint32(5, down >>> 0, false)
  return key
}

/** The number of the pack stored under `key`, checked. */
export function packNumber (key: Uint8Array): number {
  if (key.byteLength !== 9 || key[0] !== PACK) corrupt('malformed pack key')
  const view = viewOf(key)
  const down = view.getUint32(1, false) * TWO_32 + view.getUint32(5, false)
  if (down > TOP) corrupt('pack number out of range')
  return TOP - down
}

/** A pack's contents, its checksum checked: a plain Uint8Array (a Buffer's subarrays, one per key and value, cost twice as much to make). */
export function unsealPack (key: Uint8Array, stored: Uint8Array): Uint8Array {
  return unsealValue(key, new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength), PACKED_FORMAT)
}

/**
 * Calls `visit` with each item of an unsealed pack, checking every byte: the key and entries
 * (views into `pack`, `entries` reused from item to item), and where the item lies in `pack`.
 * Returns the number of items.
 */
export function readPack (pack: Uint8Array, visit: (key: Uint8Array, entries: StoredEntry[], start: number, end: number) => void): number {
  if (pack.byteLength < 4) corrupt('truncated pack')
  const view = viewOf(pack)
  const count = view.getUint32(0, true)
  const entries: StoredEntry[] = []
  let pos = 4
  for (let i = 0; i < count; i++) {
    const start = pos
    if (pos + 4 > pack.byteLength) corrupt('truncated pack item')
    const length = view.getUint32(pos, true)
    if (length > MAX_KEY_BYTES) corrupt('key too long')
    if (pos + 4 + length > pack.byteLength) corrupt('truncated pack item')
    const key = pack.subarray(pos + 4, pos + 4 + length)
    entries.length = 0
    pos = readChain(pack, view, pos + 4 + length, entries)
    visit(key, entries, start, pos)
  }
  if (pos !== pack.byteLength) corrupt('trailing bytes after a pack\'s items')
  return count
}

/** A pack under this many bytes is small: its keys are kept in memory, for merges (pack-compaction.ts). */
export const SMALL_PACK_BYTES = PACK_BYTES / 2

/** A pack ready to be written. */
export interface SealedPack {
  readonly items: number
  readonly bytes: number
  /** The keys of its items (copies), for a small pack only. */
  readonly keys: Uint8Array[] | undefined
  /** Sealed for its key, made once the pack is numbered. */
  seal: (key: Uint8Array) => Uint8Array
}

/** Builds packs from items, cutting a new one when the current one reaches {@link PACK_BYTES}. */
export class PackWriter {
  readonly #packs: SealedPack[] = []
  /** The current pack's keys: views, copied at the cut if it is small. */
  #keys: Uint8Array[] = []
  #out = new Uint8Array(0)
  #view = viewOf(this.#out)
  #pos = 4
  #items = 0

  /** Adds a key's state: its live entries, or none. */
  add (key: Uint8Array, chain: readonly ChainEntry[] | undefined): void {
    const size = 4 + key.byteLength + (chain == null ? 4 : chainBytes(chain))
    this.#room(size)
    this.#view.setUint32(this.#pos, key.byteLength, true)
    this.#out.set(key, this.#pos + 4)
    const at = this.#pos + 4 + key.byteLength
    if (chain == null) this.#view.setUint32(at, 0, true)
    else writeChain(this.#out, this.#view, at, chain)
    this.#pos += size
    this.#items++
    this.#keys.push(key)
  }

  /** Adds an item as another pack holds it (`item` spans it whole; `key` is its key). */
  copy (key: Uint8Array, item: Uint8Array): void {
    this.#room(item.byteLength)
    this.#out.set(item, this.#pos)
    this.#pos += item.byteLength
    this.#items++
    this.#keys.push(key)
  }

  /** Every pack built, the last one cut where it is. */
  finish (): SealedPack[] {
    this.#cut()
    return this.#packs
  }

  #room (size: number): void {
    if (this.#items > 0 && this.#pos + size > PACK_BYTES) this.#cut()
    if (this.#pos + size <= this.#out.byteLength) return
    const grown = new Uint8Array(Math.max(Math.min(PACK_BYTES, this.#out.byteLength * 2), this.#pos + size, 4096))
    grown.set(this.#out.subarray(0, this.#pos))
    this.#out = grown
    this.#view = viewOf(grown)
  }

  #cut (): void {
    if (this.#items === 0) return
    this.#view.setUint32(0, this.#items, true)
    const value = this.#out.subarray(0, this.#pos)
    const keys = value.byteLength < SMALL_PACK_BYTES ? this.#keys.map((key) => key.slice()) : undefined
    this.#packs.push({ items: this.#items, bytes: value.byteLength, keys, seal: (key) => sealValue(key, value) })
    this.#keys = []
    this.#out = new Uint8Array(0)
    this.#view = viewOf(this.#out)
    this.#pos = 4
    this.#items = 0
  }
}
