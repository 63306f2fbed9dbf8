import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'

const MIN_RECORDS = 16

/**
 * What a transaction or an integration changed, write by write: the row heading the key's chain
 * before and after each write ({@link NO_ROW}: none; never both). Two typed columns, so that a
 * transaction of a million sets keeps no object per write.
 */
export class WriteRecords {
  readonly #rows: EntryRows
  #before = new Int32Array(MIN_RECORDS)
  #after = new Int32Array(MIN_RECORDS)
  #length = 0

  constructor (rows: EntryRows) {
    this.#rows = rows
  }

  get length (): number {
    return this.#length
  }

  push (before: Row, after: Row): void {
    if (this.#length === this.#before.length) {
      const before = new Int32Array(this.#length * 2)
      before.set(this.#before)
      this.#before = before
      const after = new Int32Array(this.#length * 2)
      after.set(this.#after)
      this.#after = after
    }
    this.#before[this.#length] = before
    this.#after[this.#length++] = after
  }

  before (i: number): Row {
    return this.#before[i]
  }

  after (i: number): Row {
    return this.#after[i]
  }

  /** The changed key's bytes: a view into the arena, not to be mutated. Read it before the next change. */
  key (i: number): Uint8Array {
    const after = this.#after[i]
    return this.#rows.key(after === NO_ROW ? this.#before[i] : after)
  }
}
