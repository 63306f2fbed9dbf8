import { EntryArena } from './entry-arena.ts'
import { KeyIndex, hashKey } from './key-index.ts'
import { Entry, type ReplicaState } from './replica-state.ts'
import type { WriteRecord } from './write-record.ts'

/**
 * The live entries of a store, key by key: each key's chain of siblings (linked by `next`,
 * immutable once made), found through the key index, with keys and values packed in the arena.
 * Every change to a chain goes through here, so what the arena holds stays counted.
 */
export class ChainTable {
  readonly #index = new KeyIndex()
  readonly #arena = new EntryArena()

  /** Keys with a value. */
  get size (): number {
    return this.#index.size
  }

  /** The head of every chain. */
  heads (): Iterable<Entry> {
    return this.#index.heads()
  }

  /** The chain at `key`, if any. */
  chain (key: Uint8Array): Entry | undefined {
    return this.#index.get(key, 0, key.byteLength, hashKey(key, 0, key.byteLength))
  }

  /** Room for `count` more keys, made at once rather than by doubling along the way. */
  reserve (count: number): void {
    this.#index.reserve(count)
  }

  /**
   * A local write: the chain at `key` becomes one new entry of `replica` (a set), or goes (a
   * delete, `value` undefined). Returns the record, or undefined for a delete of an absent key.
   */
  write (key: Uint8Array, value: Uint8Array | undefined, replica: ReplicaState, seq: number, wall: number, counter: number): WriteRecord | undefined {
    const hash = hashKey(key, 0, key.byteLength)
    const slot = this.#index.find(key, 0, key.byteLength, hash)
    const before = this.#index.headAt(slot)
    if (value == null) {
      if (before == null) return undefined
      this.#index.delete(before)
      return { before, after: undefined }
    }
    const after = this.#newEntry(key, value, hash, replica, seq, wall, counter, undefined)
    this.#index.putAt(slot, after)
    return { before, after }
  }

  /** Undoes a local write of the open transaction. */
  undo ({ before, after }: WriteRecord): void {
    if (before != null) this.#index.set(before)
    else if (after != null) this.#index.delete(after)
    if (after != null) this.#arena.release(after.byteLength)
  }

  /** The arena no longer holds `entry`'s bytes for a live entry. */
  released (entry: Entry): void {
    this.#arena.release(entry.byteLength)
  }

  /** Puts a saved entry back at the head of its key's chain (while opening a store). */
  restore (key: Uint8Array, value: Uint8Array, replica: ReplicaState, seq: number, wall: number, counter: number): Entry {
    const hash = hashKey(key, 0, key.byteLength)
    const slot = this.#index.find(key, 0, key.byteLength, hash)
    const entry = this.#newEntry(key, value, hash, replica, seq, wall, counter, this.#index.headAt(slot))
    this.#index.putAt(slot, entry)
    return entry
  }

  /** A remote entry whose key and value are copied into the arena, at the head of its chain. */
  placeCopy (key: Uint8Array, value: Uint8Array, replica: ReplicaState, seq: number, wall: number, counter: number, records: WriteRecord[]): Entry {
    this.#arena.append(key, value)
    return this.#place(this.#arena.lastChunk, this.#arena.lastOffset, key.byteLength, value.byteLength, replica, seq, wall, counter, records)
  }

  /**
   * A remote entry kept where it arrived: `bytes` is a decoded message's own copy, key and value
   * side by side at `offset`. The arena counts it; {@link pin} then accounts for the whole message.
   */
  placeInPlace (bytes: Uint8Array, offset: number, keyLength: number, valueLength: number, replica: ReplicaState, seq: number, wall: number, counter: number, records: WriteRecord[]): Entry {
    this.#arena.adopt(keyLength + valueLength)
    return this.#place(bytes, offset, keyLength, valueLength, replica, seq, wall, counter, records)
  }

  /** A message some entries were kept in holds `unusedBytes` more that stay alive with them. */
  pin (unusedBytes: number): void {
    this.#arena.pin(unusedBytes)
  }

  /** Takes a dead entry out of its chain and records the change. Its writer's bitmaps are the caller's. */
  remove (entry: Entry, records: WriteRecord[]): void {
    this.#arena.release(entry.byteLength)
    const before = this.#index.chainOf(entry)!
    const after = unlink(before, entry)
    if (after == null) this.#index.delete(entry)
    else this.#index.set(after)
    records.push({ before, after })
  }

  /** Moves every live value into fresh chunks when garbage dominates the arena. */
  compactIfNeeded (): void {
    if (!this.#arena.needsCompaction) return
    this.#arena.reset()
    for (const head of this.#index.heads()) {
      for (let entry: Entry | undefined = head; entry != null; entry = entry.next) {
        this.#arena.append(entry.key, entry.value)
        entry.chunk = this.#arena.lastChunk
        entry.offset = this.#arena.lastOffset
      }
    }
  }

  /** An entry whose key and value are copied into the arena. */
  #newEntry (key: Uint8Array, value: Uint8Array, hash: number, replica: ReplicaState, seq: number, wall: number, counter: number, next: Entry | undefined): Entry {
    this.#arena.append(key, value)
    return new Entry(this.#arena.lastChunk, this.#arena.lastOffset, key.byteLength, value.byteLength, hash, replica, seq, wall, counter, next)
  }

  /**
   * Puts a remote entry, whose dot was not seen and whose key and value already sit side by
   * side at `offset` in `chunk`, at the head of its key's chain, and records the change.
   */
  #place (chunk: Uint8Array, offset: number, keyLength: number, valueLength: number, replica: ReplicaState, seq: number, wall: number, counter: number, records: WriteRecord[]): Entry {
    const hash = hashKey(chunk, offset, keyLength)
    const slot = this.#index.find(chunk, offset, keyLength, hash)
    const before = this.#index.headAt(slot)
    const entry = new Entry(chunk, offset, keyLength, valueLength, hash, replica, seq, wall, counter, before)
    this.#index.putAt(slot, entry)
    records.push({ before, after: entry })
    return entry
  }
}

/** The chain without `target`; entries before it are copied (chains are shared) and re-indexed. */
function unlink (head: Entry, target: Entry): Entry | undefined {
  if (head === target) return head.next
  const copy = head.withNext(unlink(head.next!, target))
  copy.replica.indexLive(copy)
  return copy
}
