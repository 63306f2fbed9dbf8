import { CommittedOps } from './committed-ops.ts'
import { NO_ROW } from './entry-rows.ts'
import { SeqLimitError, TransactionError } from './errors.ts'
import { MAX_SEQ } from './limits.ts'
import { WriteRecords } from './write-record.ts'
import { BatchSigner } from './writer-keys/batch-signer.ts'
import { TAG_BYTES } from './writer-keys/batch-digest.ts'
import type { BatchProof } from './diff.ts'
import type { WriterKey } from './writer-keys/writer-key.ts'
import type { ChainTable } from './chain-table.ts'
import type { HybridClock } from './hlc.ts'
import type { ReplicaState } from './replica-state.ts'
import type { WriterTable } from './writer-table.ts'
import type { Hlc, Op } from './types.ts'

/** Local writes under one clock reading, with contiguous seqs from `firstSeq`. */
export interface Transaction {
  readonly hlc: Hlc
  readonly firstSeq: number
  readonly writes: WriteRecords
}

/** What LocalWrites tells the store. */
export interface LocalWritesHooks {
  /** A transaction's bitmaps are in line: persist it, and tell listeners. */
  committed: (tx: Transaction) => void
  /** A batch of this replica's ops is signed (in commit order): keep its proof, send its ops. */
  signed: (ops: Op[], proof: BatchProof) => void
  /** Whether a commit is signed as it commits (a persistent store writes the proof with it). */
  signsAtCommit: () => boolean
}

/**
 * This replica's own writes: the seqs it issues, the transaction open now, what a commit does to
 * the bitmaps, and the signing of committed ops with the writer key (off the write path: the
 * write is visible at once, its ops go out once signed). A write outside a transaction is one of
 * its own.
 */
export class LocalWrites {
  private seq = 1
  private readonly chains: ChainTable
  private readonly writers: WriterTable
  private readonly local: ReplicaState
  private readonly clock: HybridClock
  private readonly hooks: LocalWritesHooks
  private readonly signer: BatchSigner
  private tx: Transaction | undefined

  constructor (chains: ChainTable, writers: WriterTable, local: ReplicaState, clock: HybridClock, writer: WriterKey, hooks: LocalWritesHooks) {
    this.chains = chains
    this.writers = writers
    this.local = local
    this.clock = clock
    this.hooks = hooks
    local.proofs.card = { publicKey: writer.publicKey, nonce: writer.nonce }
    this.signer = new BatchSigner(writer, {
      // A removal names what it removes by the tag of the entry's leaf, from the proof this store holds.
      tagOf: (dot) => writers.get(dot.replica)?.proofs.leafAt(dot.seq)?.slice(0, TAG_BYTES),
      sealed: (proof) => { local.proofs.add(proof) },
      signed: hooks.signed
    })
  }

  /** The seq the next local set takes. */
  get nextSeq (): number {
    return this.seq
  }

  /** Where a reopened store's seqs stand. */
  set nextSeq (seq: number) {
    this.seq = seq
    this.signer.startAt(seq)
  }

  /** Signs now what is queued, where the platform signs synchronously (a diff is about to be served). */
  signQueued (): void {
    this.signer.signQueued()
  }

  /** Resolves once every commit so far is signed and handed on. */
  async signed (): Promise<void> {
    await this.signer.settled()
  }

  /**
   * Signs own seqs `[first, end)` that a restart skipped as issued with no entry, above the last
   * one this key signed (those below were signed with their entries).
   */
  voidSkipped (first: number, end: number): void {
    const from = Math.max(first, this.local.proofs.attestedMax + 1)
    if (from < end) this.signer.voidRange(from, end)
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
    if (value != null && this.seq > MAX_SEQ) throw new SeqLimitError(`replica ${this.local.id} has issued every seq up to ${MAX_SEQ}: continue under a new replica id`)
    if (!this.chains.write(key, value, this.local, this.seq, tx.hlc.wall, tx.hlc.counter, tx.writes)) return false
    if (value != null) this.seq++
    if (tx !== this.tx) this.commit(tx, false)
    return true
  }

  /** Undoes every write of `tx`. */
  rollback (tx: Transaction): void {
    const writes = tx.writes
    for (let i = writes.length - 1; i >= 0; i--) this.chains.undo(writes.before(i), writes.after(i))
    // Nobody saw these seqs: no op left and nothing was stored, so they can be handed out again.
    this.seq = tx.firstSeq
  }

  /** The ops of `tx`, in write order, to send as one message. */
  opsOf (tx: Transaction): Op[] {
    return this.committedOps(tx).ops()
  }

  /**
   * Brings the bitmaps and the dot index in line with a transaction's writes: its dots are
   * contiguous, so they enter seen and live as one range, and those it overwrote itself leave
   * live again with every older dot it replaced. Then its ops are signed: now, and returned,
   * when `wantOps` (where the platform signs synchronously; else they go out by the 'ops' event
   * with the rest) or when the persistence writes proofs with their commit, else with the next
   * batch.
   */
  commit (tx: Transaction, wantOps: boolean): Op[] | undefined {
    const local = this.local
    if (this.seq > tx.firstSeq) {
      local.addFreshRange(tx.firstSeq, this.seq)
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
    let signed: Op[] | undefined
    if (writes.length > 0) {
      // Taken down before the store's change event frees the dead rows that the ops' removes name.
      const committed = this.committedOps(tx)
      // A persistent store writes the proof with the commit: entries restored after a crash stay servable.
      if (wantOps || this.hooks.signsAtCommit()) {
        const ops = committed.ops()
        signed = this.signer.signNow(ops)
        if (signed == null) this.signer.add(ops)
        signed ??= wantOps ? ops : undefined
      } else {
        // The signer makes the ops a microtask later, off the write path.
        this.signer.add(committed)
      }
    }
    this.hooks.committed(tx)
    return signed
  }

  private committedOps (tx: Transaction): CommittedOps {
    return new CommittedOps(this.chains.rows, tx.writes, this.local.id, tx.hlc, tx.firstSeq)
  }

  private fresh (): Transaction {
    return { hlc: this.clock.next(), firstSeq: this.seq, writes: new WriteRecords(this.chains.rows) }
  }
}
