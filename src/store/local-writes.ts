import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'
import { SeqLimitError, TransactionError } from './errors.ts'
import { MAX_SEQ } from './limits.ts'
import { WriteRecords } from './write-record.ts'
import type { ChainTable } from './chain-table.ts'
import type { HybridClock } from './hlc.ts'
import type { ReplicaState } from './replica-state.ts'
import type { WriterTable } from './writer-table.ts'
import type { Dot, Hlc, Op } from './types.ts'

/** Local writes under one clock reading, with contiguous seqs from `firstSeq`. */
export interface Transaction {
  readonly hlc: Hlc
  readonly firstSeq: number
  readonly writes: WriteRecords
}

/** The removes of a set on a fresh key, the most common op: one frozen array for all of them. */
const NO_DOTS: readonly Dot[] = Object.freeze([])

/** A dot of every entry in a chain. */
function dotsOf (rows: EntryRows, head: Row): readonly Dot[] {
  if (head === NO_ROW) return NO_DOTS
  const dots: Dot[] = []
  for (let row = head; row !== NO_ROW; row = rows.next(row)) dots.push({ replica: rows.writer(row).id, seq: rows.seq(row) })
  return dots
}

/**
 * This replica's own writes: the seqs it issues, the transaction open now, and what a commit
 * does to the bitmaps. A write outside a transaction is one of its own.
 */
export class LocalWrites {
  /** The seq the next local set takes. */
  nextSeq = 1
  private readonly chains: ChainTable
  private readonly writers: WriterTable
  private readonly local: ReplicaState
  private readonly clock: HybridClock
  /** What the store does once a transaction's bitmaps are in line: persist it, and tell listeners. */
  private readonly committed: (tx: Transaction, ops: Op[] | undefined) => void
  private tx: Transaction | undefined

  constructor (chains: ChainTable, writers: WriterTable, local: ReplicaState, clock: HybridClock, committed: (tx: Transaction, ops: Op[] | undefined) => void) {
    this.chains = chains
    this.writers = writers
    this.local = local
    this.clock = clock
    this.committed = committed
  }

  get inTransaction (): boolean {
    return this.tx != null
  }

  begin (): void {
    if (this.tx != null) throw new TransactionError('a transaction is already open')
    this.tx = this.fresh()
  }

  /** Ends the open transaction and hands it over, for `what` (the API call) to commit or roll back. */
  take (what: string): Transaction {
    const tx = this.tx
    if (tx == null) throw new TransactionError(`${what}() without begin()`)
    this.tx = undefined
    return tx
  }

  requireNone (what: string): void {
    if (this.tx != null) throw new TransactionError(`${what}() cannot run inside an open transaction`)
  }

  /** A local set (`value`) or delete (`undefined`), in the open transaction or in one of its own. */
  write (key: Uint8Array, value: Uint8Array | undefined): boolean {
    const tx = this.tx ?? this.fresh()
    if (value != null && this.nextSeq > MAX_SEQ) throw new SeqLimitError(`replica ${this.local.id} has issued every seq up to ${MAX_SEQ}: continue under a new replica id`)
    if (!this.chains.write(key, value, this.local, this.nextSeq, tx.hlc.wall, tx.hlc.counter, tx.writes)) return false
    if (value != null) this.nextSeq++
    if (tx !== this.tx) this.commit(tx, undefined)
    return true
  }

  /** Undoes every write of `tx`. */
  rollback (tx: Transaction): void {
    const writes = tx.writes
    for (let i = writes.length - 1; i >= 0; i--) this.chains.undo(writes.before(i), writes.after(i))
    // Nobody saw these seqs: no op left and nothing was stored, so they can be handed out again.
    this.nextSeq = tx.firstSeq
  }

  /** The ops of `tx`, in write order, to send as one message. */
  opsOf (tx: Transaction): Op[] {
    // The transaction's clock object is the ops' alone: entries keep theirs as numbers.
    const hlc = tx.hlc
    const rows = this.chains.rows
    const writes = tx.writes
    const ops: Op[] = []
    for (let i = 0; i < writes.length; i++) {
      const before = writes.before(i)
      const after = writes.after(i)
      ops.push(after === NO_ROW
        ? { kind: 'delete', key: rows.key(before), removes: dotsOf(rows, before) }
        : {
            kind: 'set',
            key: rows.key(after),
            value: rows.value(after),
            dot: { replica: this.local.id, seq: rows.seq(after) },
            hlc,
            removes: dotsOf(rows, before)
          })
    }
    return ops
  }

  /**
   * Brings the bitmaps and the dot index in line with a transaction's writes: its dots are
   * contiguous, so they enter seen and live as one range, and those it overwrote itself leave
   * live again with every older dot it replaced.
   */
  commit (tx: Transaction, ops: Op[] | undefined): void {
    const local = this.local
    if (this.nextSeq > tx.firstSeq) {
      local.addFreshRange(tx.firstSeq, this.nextSeq)
      this.writers.seenChanged.add(local)
    }
    const rows = this.chains.rows
    const writes = tx.writes
    for (let i = 0; i < writes.length; i++) {
      for (let row = writes.before(i); row !== NO_ROW; row = rows.next(row)) {
        rows.writer(row).removeLive(rows.seq(row))
        this.chains.retire(row)
      }
      const after = writes.after(i)
      if (after !== NO_ROW) local.indexLive(rows.seq(after), after)
    }
    this.committed(tx, ops)
  }

  private fresh (): Transaction {
    return { hlc: this.clock.next(), firstSeq: this.nextSeq, writes: new WriteRecords(this.chains.rows) }
  }
}
