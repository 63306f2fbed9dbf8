import { EntryRows, NO_ROW, type ChainEntry, type Row } from './entry-rows.ts'
import { KeyIndex } from './key-index.ts'
import type { ReplicaState } from './replica-state.ts'
import type { Hlc } from './types.ts'
import type { WriteRecords } from './write-record.ts'

/** A decoded message some of a diff's entries stay in: its arena chunk once one does, and the bytes they keep. */
export interface AdoptedMessage {
  chunk: number
  adopted: number
}

/**
 * The live entries of a store, key by key: each key's chain of siblings as rows (linked by
 * `next`), found through the key index, with keys and values in the arena. Every change to a
 * chain goes through here, so what the arena holds stays counted; rows of entries that died stay
 * readable until {@link settle}, after the change's listeners have read them.
 */
export class ChainTable {
  readonly rows = new EntryRows()
  private readonly index = new KeyIndex(this.rows)
  private readonly arena = this.rows.arena
  /** Rows of entries that died in the commit or integration under way. */
  private dead: Row[] = []

  /** Keys with a value. */
  get size (): number {
    return this.index.size
  }

  /** The head row of every chain. */
  heads (): Generator<Row> {
    return this.index.heads()
  }

  /** The head row of the chain at `key`, or {@link NO_ROW}. */
  chain (key: Uint8Array): Row {
    return this.index.get(key, 0, key.byteLength, this.index.hash(key, 0, key.byteLength))
  }

  /** The chain at `key` as entries, if any (what persistence writes). */
  chainEntries (key: Uint8Array): ChainEntry[] | undefined {
    const head = this.chain(key)
    return head === NO_ROW ? undefined : this.rows.chain(head)
  }

  /** Room for `count` more keys, made at once rather than by doubling along the way. */
  reserve (count: number): void {
    this.index.reserve(count)
  }

  /**
   * A local write: the chain at `key` becomes one new entry of `writer` (a set), or goes (a
   * delete, `value` undefined), recorded in `records`. False for a delete of an absent key.
   */
  write (key: Uint8Array, value: Uint8Array | undefined, writer: ReplicaState, seq: number, hlc: Hlc, records: WriteRecords): boolean {
    const hash = this.index.hash(key, 0, key.byteLength)
    const slot = this.index.find(key, 0, key.byteLength, hash)
    const before = this.index.headAt(slot)
    let after = NO_ROW
    if (value == null) {
      if (before === NO_ROW) return false
      this.index.delete(before)
    } else {
      after = this.rows.append(key, value, writer, seq, hlc, NO_ROW)
      this.index.putAt(slot, after, hash)
    }
    records.push(before, after)
    return true
  }

  /** Undoes a local write of the open transaction. */
  undo (before: Row, after: Row): void {
    if (before !== NO_ROW) this.index.set(before)
    else if (after !== NO_ROW) this.index.delete(after)
    if (after !== NO_ROW) {
      this.arena.release(this.rows.byteLength(after))
      this.rows.free(after)
    }
  }

  /** An entry a local write replaced is dead: its bytes are garbage, its row freed at {@link settle}. */
  retire (row: Row): void {
    this.arena.release(this.rows.byteLength(row))
    this.dead.push(row)
  }

  /** Puts a saved entry back at the head of its key's chain (while opening a store). */
  restore (key: Uint8Array, value: Uint8Array, writer: ReplicaState, seq: number, hlc: Hlc): Row {
    const hash = this.index.hash(key, 0, key.byteLength)
    const slot = this.index.find(key, 0, key.byteLength, hash)
    const row = this.rows.append(key, value, writer, seq, hlc, this.index.headAt(slot))
    this.index.putAt(slot, row, hash)
    return row
  }

  /** A remote entry, its key and value copied into the arena, at the head of its chain. */
  placeCopy (key: Uint8Array, value: Uint8Array, writer: ReplicaState, seq: number, hlc: Hlc, records: WriteRecords): Row {
    this.arena.append(key, value)
    return this.place(this.arena.lastChunkId, this.arena.lastOffset, key.byteLength, value.byteLength, writer, seq, hlc, records)
  }

  /**
   * A remote entry kept where it arrived: `bytes` is a decoded message's own copy, key and value
   * side by side at `offset`; the message becomes an arena chunk with its first kept entry.
   */
  placeAdopted (message: AdoptedMessage, bytes: Uint8Array, offset: number, keyLength: number, valueLength: number, writer: ReplicaState, seq: number, hlc: Hlc, records: WriteRecords): Row {
    if (message.chunk < 0) message.chunk = this.arena.adoptChunk(bytes)
    this.arena.adopt(keyLength + valueLength)
    message.adopted += keyLength + valueLength
    return this.place(message.chunk, offset, keyLength, valueLength, writer, seq, hlc, records)
  }

  /** The rest of an adopted message stays alive with the entries kept in it. */
  pin (message: AdoptedMessage, byteLength: number): void {
    if (message.adopted > 0) this.arena.pin(byteLength - message.adopted)
  }

  /** Takes a dead entry out of its chain and records the change. Its writer's bitmaps are the caller's. */
  remove (row: Row, records: WriteRecords): void {
    this.arena.release(this.rows.byteLength(row))
    const before = this.index.chainOf(row)
    const after = this.unlink(before, row)
    if (after === NO_ROW) this.index.delete(row)
    else if (after !== before) this.index.set(after)
    records.push(before, after)
    this.dead.push(row)
  }

  /** Once a change's listeners have read it: frees the dead rows, and compacts when garbage dominates the arena. */
  settle (): void {
    if (this.dead.length > 0) {
      for (const row of this.dead) this.rows.free(row)
      this.dead = []
    }
    if (this.arena.needsCompaction) this.rows.compact(this.index.heads())
  }

  /**
   * Puts a remote entry, whose dot was not seen and whose key and value already sit side by
   * side at `offset` in arena chunk `chunk` (counted by the arena), at the head of its key's
   * chain, and records the change. Its seq is not yet marked seen or live.
   */
  private place (chunk: number, offset: number, keyLength: number, valueLength: number, writer: ReplicaState, seq: number, hlc: Hlc, records: WriteRecords): Row {
    const bytes = this.arena.chunk(chunk)
    const hash = this.index.hash(bytes, offset, keyLength)
    const slot = this.index.find(bytes, offset, keyLength, hash)
    const before = this.index.headAt(slot)
    const row = this.rows.add(chunk, offset, keyLength, valueLength, writer, seq, hlc, before)
    this.index.putAt(slot, row, hash)
    records.push(before, row)
    return row
  }

  /** The chain without `target`, unlinked in place. */
  private unlink (head: Row, target: Row): Row {
    const rows = this.rows
    if (head === target) return rows.next(head)
    let previous = head
    while (rows.next(previous) !== target) previous = rows.next(previous)
    rows.setNext(previous, rows.next(target))
    return head
  }
}
