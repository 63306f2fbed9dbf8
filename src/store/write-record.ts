import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'

/**
 * What a transaction or an integration changed, write by write: the row heading the key's chain
 * before and after each write ({@link NO_ROW}: none; never both), as small integers in one array,
 * so that a transaction of a million sets keeps no object per write; a plain array rather than
 * a typed one, which would cost a fresh `ArrayBuffer` for every one-op transaction.
 */
export class WriteRecords {
  private readonly rows: EntryRows
  /** Each write's rows before and after, side by side. */
  private readonly pairs: Row[] = []

  constructor (rows: EntryRows) {
    this.rows = rows
  }

  get length (): number {
    return this.pairs.length >> 1
  }

  push (before: Row, after: Row): void {
    this.pairs.push(before, after)
  }

  before (i: number): Row {
    return this.pairs[2 * i]
  }

  after (i: number): Row {
    return this.pairs[2 * i + 1]
  }

  /** The changed key's bytes: a view into the arena, not to be mutated. Read it before the next change. */
  key (i: number): Uint8Array {
    const after = this.pairs[2 * i + 1]
    return this.rows.key(after === NO_ROW ? this.pairs[2 * i] : after)
  }
}
