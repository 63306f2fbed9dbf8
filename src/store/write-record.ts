import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'

/**
 * What a transaction or an integration changed, write by write: the row heading the key's chain
 * before and after each write ({@link NO_ROW}: none; never both). Two columns of small integers,
 * so that a transaction of a million sets keeps no object per write; plain arrays rather than
 * typed ones, which would cost a fresh `ArrayBuffer` for every one-op transaction.
 */
export class WriteRecords {
  private readonly rows: EntryRows
  private readonly befores: Row[] = []
  private readonly afters: Row[] = []

  constructor (rows: EntryRows) {
    this.rows = rows
  }

  get length (): number {
    return this.befores.length
  }

  push (before: Row, after: Row): void {
    this.befores.push(before)
    this.afters.push(after)
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
}
