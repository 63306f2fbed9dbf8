import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'
import { storeBuffer } from './store-memory.ts'

/** Records the columns start with, once a second one comes: two 64-byte columns, which V8 keeps inside its heap. */
const FIRST_CAPACITY = 16

/**
 * What a transaction or an integration changed, write by write: the row heading the key's chain
 * before and after each write ({@link NO_ROW}: none; never both). Two typed columns of row
 * numbers, so that a transaction of a million sets keeps no object per write and its records
 * cost 8 bytes a write (pushing onto two plain arrays took 5× as long, growth and all). The
 * first record sits in two fields: most transactions and op messages write once, and two typed
 * arrays (360 bytes of heap) per commit and per integration were a sixth of an op's garbage.
 */
export class WriteRecords {
  private readonly rows: EntryRows
  private firstBefore: Row = NO_ROW
  private firstAfter: Row = NO_ROW
  /** Records from the second on, at `i - 1`. */
  private befores: Int32Array | undefined
  private afters: Int32Array | undefined
  private count = 0
  private replacedCount = 0

  constructor (rows: EntryRows) {
    this.rows = rows
  }

  get length (): number {
    return this.count
  }

  /** Records whose write replaced or deleted a chain (its `before` is a row): none in a bulk insert of new keys. */
  get replaced (): number {
    return this.replacedCount
  }

  push (before: Row, after: Row): void {
    const i = this.count
    if (before !== NO_ROW) this.replacedCount++
    if (i === 0) {
      this.firstBefore = before
      this.firstAfter = after
    } else {
      if (this.befores === undefined || i > this.befores.length) this.#grow()
      this.befores![i - 1] = before
      this.afters![i - 1] = after
    }
    this.count = i + 1
  }

  /** The row the last write made: the new entry of a set. */
  get lastAfter (): Row {
    const i = this.count - 1
    return i === 0 ? this.firstAfter : this.afters![i - 1]
  }

  before (i: number): Row {
    return i === 0 ? this.firstBefore : this.befores![i - 1]
  }

  after (i: number): Row {
    return i === 0 ? this.firstAfter : this.afters![i - 1]
  }

  /** The changed key's bytes: a view into the arena, not to be mutated. Read it before the next change. */
  key (i: number): Uint8Array {
    const after = this.after(i)
    return this.rows.key(after === NO_ROW ? this.before(i) : after)
  }

  #grow (): void {
    const old = this.befores
    if (old === undefined) {
      this.befores = new Int32Array(FIRST_CAPACITY)
      this.afters = new Int32Array(FIRST_CAPACITY)
      return
    }
    const capacity = 2 * old.length
    const befores = new Int32Array(storeBuffer(4 * capacity))
    befores.set(old)
    const afters = new Int32Array(storeBuffer(4 * capacity))
    afters.set(this.afters!)
    this.befores = befores
    this.afters = afters
  }
}
