import { SeqLimitError, TransactionError } from './errors.ts'
import { MAX_SEQ } from './limits.ts'
import type { ChainTable } from './chain-table.ts'
import type { HybridClock } from './hlc.ts'
import type { Entry, ReplicaState } from './replica-state.ts'
import type { WriterTable } from './writer-table.ts'
import type { WriteRecord } from './write-record.ts'
import type { Dot, Hlc, Op } from './types.ts'

/** Local writes under one clock reading, with contiguous seqs from `firstSeq`. */
export interface Transaction {
  readonly hlc: Hlc
  readonly firstSeq: number
  readonly writes: WriteRecord[]
}

/** The removes of a set on a fresh key, the most common op: one frozen array for all of them. */
const NO_DOTS: readonly Dot[] = Object.freeze([])

/** A dot of every entry in a chain. */
function dotsOf (head: Entry | undefined): readonly Dot[] {
  if (head == null) return NO_DOTS
  const dots: Dot[] = []
  for (let entry: Entry | undefined = head; entry != null; entry = entry.next) dots.push({ replica: entry.replica.id, seq: entry.seq })
  return dots
}

/**
 * This replica's own writes: the seqs it issues, the transaction open now, and what a commit
 * does to the bitmaps. A write outside a transaction is one of its own.
 */
export class LocalWrites {
  /** The seq the next local set takes. */
  nextSeq = 1
  readonly #chains: ChainTable
  readonly #writers: WriterTable
  readonly #local: ReplicaState
  readonly #clock: HybridClock
  /** What the store does once a transaction's bitmaps are in line: persist, and tell listeners. */
  readonly #committed: (tx: Transaction, ops: Op[] | undefined) => void
  #tx: Transaction | undefined

  constructor (chains: ChainTable, writers: WriterTable, local: ReplicaState, clock: HybridClock, committed: (tx: Transaction, ops: Op[] | undefined) => void) {
    this.#chains = chains
    this.#writers = writers
    this.#local = local
    this.#clock = clock
    this.#committed = committed
  }

  get inTransaction (): boolean {
    return this.#tx != null
  }

  begin (): void {
    if (this.#tx != null) throw new TransactionError('a transaction is already open')
    this.#tx = { hlc: this.#clock.next(), firstSeq: this.nextSeq, writes: [] }
  }

  /** Ends the open transaction and hands it over, for `what` (the API call) to commit or roll back. */
  take (what: string): Transaction {
    const tx = this.#tx
    if (tx == null) throw new TransactionError(`${what}() without begin()`)
    this.#tx = undefined
    return tx
  }

  requireNone (what: string): void {
    if (this.#tx != null) throw new TransactionError(`${what}() cannot run inside an open transaction`)
  }

  /** A local set (`value`) or delete (`undefined`), in the open transaction or in one of its own. */
  write (key: Uint8Array, value: Uint8Array | undefined): boolean {
    const tx = this.#tx ?? { hlc: this.#clock.next(), firstSeq: this.nextSeq, writes: [] }
    if (value != null && this.nextSeq > MAX_SEQ) throw new SeqLimitError(`replica ${this.#local.id} has issued every seq up to ${MAX_SEQ}: continue under a new replica id`)
    const seq = value == null ? 0 : this.nextSeq
    const record = this.#chains.write(key, value, this.#local, seq, tx.hlc.wall, tx.hlc.counter)
    if (record == null) return false
    if (value != null) this.nextSeq++
    tx.writes.push(record)
    if (tx !== this.#tx) this.commit(tx, undefined)
    return true
  }

  /** Undoes every write of `tx`. */
  rollback (tx: Transaction): void {
    for (let i = tx.writes.length - 1; i >= 0; i--) this.#chains.undo(tx.writes[i])
    // Nobody saw these seqs: no op left and nothing was stored, so they can be handed out again.
    this.nextSeq = tx.firstSeq
  }

  /** The ops of `tx`, in write order, to send as one message. */
  opsOf (tx: Transaction): Op[] {
    // The transaction's clock object is the ops' alone: entries keep theirs as numbers.
    const hlc = tx.hlc
    return tx.writes.map((write): Op => write.after == null
      ? { kind: 'delete', key: write.before!.key, removes: dotsOf(write.before) }
      : {
          kind: 'set',
          key: write.after.key,
          value: write.after.value,
          dot: { replica: this.#local.id, seq: write.after.seq },
          hlc,
          removes: dotsOf(write.before)
        })
  }

  /**
   * Brings the bitmaps and the dot index in line with a transaction's writes: its dots are
   * contiguous, so they enter seen and live as one range, and those it overwrote itself leave
   * live again with every older dot it replaced.
   */
  commit (tx: Transaction, ops: Op[] | undefined): void {
    const local = this.#local
    if (this.nextSeq > tx.firstSeq) {
      local.addFreshRange(tx.firstSeq, this.nextSeq)
      this.#writers.seenChanged.add(local)
    }
    for (const write of tx.writes) {
      for (let entry = write.before; entry != null; entry = entry.next) {
        entry.replica.removeLive(entry.seq)
        this.#chains.released(entry)
      }
      if (write.after != null) local.indexLive(write.after)
    }
    this.#committed(tx, ops)
  }
}
