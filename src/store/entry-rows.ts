import { EntryArena } from './entry-arena.ts'
import { Entry } from './entry.ts'
import { storeBuffer } from './store-memory.ts'
import type { KeyHash } from './keyed-key-hash.ts'
import type { ReplicaState } from './replica-state.ts'
import type { Hlc } from './types.ts'

/** A live entry's row number in {@link EntryRows}; {@link NO_ROW} for none. */
export type Row = number
export const NO_ROW = -1

const MIN_ROWS = 64

type Column = Int32Array | Uint16Array | Float64Array
type ColumnType<T extends Column> = (new (buffer: ArrayBufferLike) => T) & { BYTES_PER_ELEMENT: number }

/** A column of `length` zeroes, in the store's own memory (see store-memory.ts). */
function column<T extends Column> (type: ColumnType<T>, length: number): T {
  return new type(storeBuffer(length * type.BYTES_PER_ELEMENT))
}

/** One sibling of a chain, as persistence stores it. */
export interface ChainEntry {
  readonly writer: ReplicaState
  readonly seq: number
  readonly wall: number
  readonly counter: number
  /** A view into the arena, not to be mutated. */
  readonly value: Uint8Array
}

/**
 * Every live entry of a store as a row of numbers in typed columns: where its key and value sit
 * in the arena, its writer (by number), seq, clock, and the next sibling at its key. A million
 * entries are a few large buffers the collector never traces or copies, where an object per
 * entry (and its promotion out of the young generation) cost more than the rest of a write.
 * A row freed is reused: hold a row only while its entry lives.
 */
export class EntryRows {
  readonly arena = new EntryArena()
  /** Writers by number, as rows name them. */
  private readonly writers: ReplicaState[] = []
  private capacity = MIN_ROWS
  private chunkIds = column(Int32Array, MIN_ROWS)
  private offsets = column(Int32Array, MIN_ROWS)
  private keyLengths = column(Uint16Array, MIN_ROWS)
  private valueLengths = column(Int32Array, MIN_ROWS)
  private writerIds = column(Int32Array, MIN_ROWS)
  private seqs = column(Float64Array, MIN_ROWS)
  private walls = column(Float64Array, MIN_ROWS)
  private counters = column(Uint16Array, MIN_ROWS)
  /** The next sibling; for a free row, the next free row. */
  private nexts = column(Int32Array, MIN_ROWS)
  /** Rows ever handed out: those below and not on the free list are live. */
  private top = 0
  private freeHead = NO_ROW

  /** Numbers a writer, once, so that rows can name it. */
  addWriter (writer: ReplicaState): number {
    return this.writers.push(writer) - 1
  }

  /** A row for an entry whose key and value sit side by side at `offset` in arena chunk `chunk`. */
  add (chunk: number, offset: number, keyLength: number, valueLength: number, writer: ReplicaState, seq: number, hlc: Hlc, next: Row): Row {
    let row = this.freeHead
    if (row !== NO_ROW) this.freeHead = this.nexts[row]
    else {
      if (this.top === this.capacity) this.#grow()
      row = this.top++
    }
    this.chunkIds[row] = chunk
    this.offsets[row] = offset
    this.keyLengths[row] = keyLength
    this.valueLengths[row] = valueLength
    this.writerIds[row] = writer.index
    this.seqs[row] = seq
    this.walls[row] = hlc.wall
    this.counters[row] = hlc.counter
    this.nexts[row] = next
    return row
  }

  /** Copies a key and value into the arena and makes a row for them. */
  append (key: Uint8Array, value: Uint8Array, writer: ReplicaState, seq: number, hlc: Hlc, next: Row): Row {
    const arena = this.arena
    arena.append(key, value)
    return this.add(arena.lastChunkId, arena.lastOffset, key.byteLength, value.byteLength, writer, seq, hlc, next)
  }

  /** Gives a dead entry's row back; its bytes become arena garbage. */
  free (row: Row): void {
    this.nexts[row] = this.freeHead
    this.freeHead = row
  }

  next (row: Row): Row {
    return this.nexts[row]
  }

  setNext (row: Row, next: Row): void {
    this.nexts[row] = next
  }

  writer (row: Row): ReplicaState {
    return this.writers[this.writerIds[row]]
  }

  seq (row: Row): number {
    return this.seqs[row]
  }

  hlc (row: Row): Hlc {
    return { wall: this.walls[row], counter: this.counters[row] }
  }

  /** Key and value bytes together, as the arena counts them. */
  byteLength (row: Row): number {
    return this.keyLengths[row] + this.valueLengths[row]
  }

  /** The key's bytes: a view into the arena, not to be mutated. */
  key (row: Row): Uint8Array {
    const offset = this.offsets[row]
    return this.arena.chunk(this.chunkIds[row]).subarray(offset, offset + this.keyLengths[row])
  }

  /** The value's bytes: a view into the arena, not to be mutated. */
  value (row: Row): Uint8Array {
    const start = this.offsets[row] + this.keyLengths[row]
    return this.arena.chunk(this.chunkIds[row]).subarray(start, start + this.valueLengths[row])
  }

  /** The key's hash under `hash` (the KeyIndex's, whichever it is now). */
  keyHash (row: Row, hash: KeyHash): number {
    return hash(this.arena.chunk(this.chunkIds[row]), this.offsets[row], this.keyLengths[row])
  }

  /** Whether the row's key is the `length` bytes at `start` in `bytes`. */
  keyEquals (row: Row, bytes: Uint8Array, start: number, length: number): boolean {
    if (length !== this.keyLengths[row]) return false
    const chunk = this.arena.chunk(this.chunkIds[row])
    const offset = this.offsets[row]
    for (let i = 0; i < length; i++) if (chunk[offset + i] !== bytes[start + i]) return false
    return true
  }

  /** The entry as a diff carries it: an object that reads its bytes where they are. */
  entry (row: Row): Entry {
    return new Entry(this.arena.chunk(this.chunkIds[row]), this.offsets[row], this.keyLengths[row], this.valueLengths[row], this.seqs[row], this.walls[row], this.counters[row])
  }

  /** The siblings of a chain, as persistence stores them. */
  chain (head: Row): ChainEntry[] {
    const chain: ChainEntry[] = []
    for (let row = head; row !== NO_ROW; row = this.nexts[row]) {
      chain.push({ writer: this.writer(row), seq: this.seqs[row], wall: this.walls[row], counter: this.counters[row], value: this.value(row) })
    }
    return chain
  }

  /** Moves every row of the chains at `heads` into fresh arena chunks, leaving the garbage behind. */
  compact (heads: Iterable<Row>): void {
    const arena = this.arena
    const chunks = arena.reset()
    for (const head of heads) {
      for (let row = head; row !== NO_ROW; row = this.nexts[row]) {
        const chunk = chunks[this.chunkIds[row]]
        const offset = this.offsets[row]
        const keyEnd = offset + this.keyLengths[row]
        arena.append(chunk.subarray(offset, keyEnd), chunk.subarray(keyEnd, keyEnd + this.valueLengths[row]))
        this.chunkIds[row] = arena.lastChunkId
        this.offsets[row] = arena.lastOffset
      }
    }
  }

  /** Orders two rows' clocks, as compareHlc orders timestamps. */
  compareClocks (a: Row, b: Row): number {
    return this.walls[a] !== this.walls[b] ? this.walls[a] - this.walls[b] : this.counters[a] - this.counters[b]
  }

  /** Orders siblings: the greater wins (later HLC, then greater replica id bytes). */
  compare (a: Row, b: Row): number {
    const byClock = this.compareClocks(a, b)
    if (byClock !== 0) return byClock
    const idA = this.writer(a).id
    const idB = this.writer(b).id
    return idA < idB ? -1 : idA > idB ? 1 : this.seqs[a] - this.seqs[b]
  }

  /** The sibling a read returns: the greatest (hlc, replica id). */
  winner (head: Row): Row {
    let best = head
    for (let row = this.nexts[head]; row !== NO_ROW; row = this.nexts[row]) {
      if (this.compare(row, best) > 0) best = row
    }
    return best
  }

  #grow (): void {
    const capacity = this.capacity * 2
    const grown = <T extends Column>(old: T): T => {
      const bigger = column(old.constructor as ColumnType<T>, capacity)
      bigger.set(old)
      return bigger
    }
    this.chunkIds = grown(this.chunkIds)
    this.offsets = grown(this.offsets)
    this.keyLengths = grown(this.keyLengths)
    this.valueLengths = grown(this.valueLengths)
    this.writerIds = grown(this.writerIds)
    this.seqs = grown(this.seqs)
    this.walls = grown(this.walls)
    this.counters = grown(this.counters)
    this.nexts = grown(this.nexts)
    this.capacity = capacity
  }
}
