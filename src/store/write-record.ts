import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'
import { storeBuffer } from './store-memory.ts'

/** Records a fresh transaction has room for: two 64-byte columns, which V8 keeps inside its heap. */
const FIRST_CAPACITY = 16

/**
 * What a transaction or an integration changed, write by write: the row heading the key's chain
 * before and after each write ({@link NO_ROW}: none; never both). Two typed columns of row
 * numbers, so that a transaction of a million sets keeps no object per write and its records
 * cost 8 bytes a write (pushing onto two plain arrays took 5× as long, growth and all); a
 * one-op transaction's columns are small enough to live in the heap, with no buffer of their own.
 */
export class WriteRecords {
  private readonly rows: EntryRows
  private befores: Int32Array = new Int32Array(FIRST_CAPACITY)
  private afters: Int32Array = new Int32Array(FIRST_CAPACITY)
  private count = 0

  constructor (rows: EntryRows) {
    this.rows = rows
  }

  get length (): number {
    return this.count
  }

  push (before: Row, after: Row): void {
    const i = this.count
    if (i === this.befores.length) this.#grow()
    this.befores[i] = before
    this.afters[i] = after
    this.count = i + 1
  }

  before (i: number): Row {
    return this.befores[i]
  }

  after (i: number): Row {
    return this.afters[i]
  }

  /** The changed key's bytes: a view into the arena, not to be mutated. Read it before the next change. */
  key (i: number): Uint8Array {
    const after = this.afters[i]
    return this.rows.key(after === NO_ROW ? this.befores[i] : after)
  }

  #grow (): void {
    const capacity = 2 * this.befores.length
    const befores = new Int32Array(storeBuffer(4 * capacity))
    befores.set(this.befores)
    const afters = new Int32Array(storeBuffer(4 * capacity))
    afters.set(this.afters)
    this.befores = befores
    this.afters = afters
  }
}
