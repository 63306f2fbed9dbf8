import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'
import { SeqLimitError, TransactionError } from './errors.ts'
import { MAX_SEQ } from './limits.ts'
import { dotHashA, dotHashB } from './dot-hash.ts'
import { WriteRecords } from './write-record.ts'
import { BatchSigner } from './writer-keys/batch-signer.ts'
import { TAG_BYTES, type TaggedDot } from './writer-keys/batch-digest.ts'
import { UnsignedCommits, type CommitSender } from './writer-keys/unsigned-commits.ts'
import type { BatchProof } from './diff.ts'
import type { WriterKey } from './writer-keys/writer-key.ts'
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
  /** The live digest's two lanes summed over the transaction's new dots, as each set is made. */
  liveA: number
  liveB: number
}

/** The removes of a set on a fresh key, the most common op: one frozen array for all of them. */
const NO_DOTS: readonly Dot[] = Object.freeze([])

/** The tag of a removal whose entry has no proof here (the signer's ops name it so too). */
const NO_TAG = new Uint8Array(TAG_BYTES)

/** A dot of every entry in a chain. */
function dotsOf (rows: EntryRows, head: Row): readonly Dot[] {
  if (head === NO_ROW) return NO_DOTS
  const dots: Dot[] = []
  for (let row = head; row !== NO_ROW; row = rows.next(row)) dots.push({ replica: rows.writer(row).id, seq: rows.seq(row) })
  return dots
}

/** What LocalWrites tells the store. */
export interface LocalWritesHooks {
  /** A transaction's bitmaps are in line: persist it, and tell listeners. */
  committed: (tx: Transaction) => void
  /** A batch of this replica's ops is signed (in seq order): keep its proof, send its ops. */
  signed: (ops: Op[], proof: BatchProof) => void
  /** Whether someone listens for this replica's ops: a commit then queues them for signing. */
  wantsOps: () => boolean
}

/**
 * This replica's own writes: the seqs it issues, the transaction open now, what a commit does to
 * the bitmaps, and the signing of committed ops with the writer key (never at commit: the
 * write is visible at once, its ops go out once signed, and a commit nobody listens to is signed
 * only when its seqs leave the store; see {@link BatchSigner}). A write outside a transaction is
 * one of its own.
 */
export class LocalWrites {
  private seq = 1
  private readonly chains: ChainTable
  private readonly writers: WriterTable
  private readonly local: ReplicaState
  private readonly clock: HybridClock
  private readonly hooks: LocalWritesHooks
  private readonly signer: CommitSender
  /** The signer, where writers are bound to keys: it keeps the removals of commits that sent no ops. */
  private readonly batchSigner: BatchSigner | undefined
  private readonly tagOf: (dot: Dot) => Uint8Array | undefined
  private tx: Transaction | undefined

  /** `writer` undefined: a store with `writerKeys: false`, whose ops go out unsigned. */
  constructor (chains: ChainTable, writers: WriterTable, local: ReplicaState, clock: HybridClock, writer: WriterKey | undefined, hooks: LocalWritesHooks) {
    this.chains = chains
    this.writers = writers
    this.local = local
    this.clock = clock
    this.hooks = hooks
    if (writer == null) {
      this.signer = new UnsignedCommits(hooks.signed)
      this.batchSigner = undefined
      this.tagOf = () => undefined
      return
    }
    local.proofs.card = { publicKey: writer.publicKey, nonce: writer.nonce }
    // A removal names what it removes by the tag of the entry's leaf, from the proof this store holds.
    // A view, not a copy, where no op hands it to the app: the proof holds the leaf as long as the removal is kept.
    this.tagOf = (dot) => writers.get(dot.replica)?.proofs.leafAt(dot.seq)?.subarray(0, TAG_BYTES)
    this.signer = this.batchSigner = new BatchSigner(writer, {
      tagOf: (dot) => this.tagOf(dot)?.slice(),
      entryAt: (seq) => {
        const row = local.dots.get(seq)
        if (row === undefined) return undefined
        const rows = chains.rows
        return { seq, hlc: rows.hlc(row), key: rows.key(row), value: rows.value(row) }
      },
      nextSeen: (from, end) => {
        if (local.seen.has(from)) return from
        const seen = local.seen.slice(from, end)
        const first = seen.min()
        seen.dispose()
        return first
      },
      // An open transaction's seqs are not committed: nothing of it is signed before it is.
      issuedTo: () => this.tx?.firstSeq ?? this.seq,
      sealed: (proof) => {
        local.proofs.add(proof)
        // Its removals killed their dots at commit: this batch is now the evidence of those deaths.
        const cause = { remover: local.id, batch: proof }
        for (const dot of proof.removals ?? []) writers.get(dot.replica)?.proofs.noteRemoval(dot.seq, cause)
      },
      signed: hooks.signed
    })
  }

  /** The seq the next local set takes. */
  get nextSeq (): number {
    return this.seq
  }

  /**
   * Where a reopened store's seqs stand. Its own seqs above the last proof it kept are signed anew
   * from what it restored: an entry as it is, a seq the restart skipped or whose entry died as
   * issued with no entry.
   */
  set nextSeq (seq: number) {
    this.seq = seq
    this.signer.startAt(this.local.proofs.attestedMax + 1)
  }

  /** Hands the signer removals to sign anew (deaths whose evidence a crash lost), with its next batch. */
  resign (removals: TaggedDot[]): void {
    this.batchSigner?.removed(removals, this.batchSigner.sealedTo)
  }

  /** Signs now every commit so far, where the platform signs synchronously (a diff is about to be served). */
  signAll (): void {
    this.signer.signAll()
  }

  /** Resolves once every commit so far is signed and handed on. */
  async signed (): Promise<void> {
    await this.signer.settled()
  }

  /** Resolves once the ops of every commit so far that sends them are signed and handed on. */
  async opsSent (): Promise<void> {
    await this.signer.opsSent()
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
    const seq = this.seq
    const local = this.local
    if (!this.chains.write(key, value, local, seq, tx.hlc, tx.writes)) return false
    if (value != null) {
      // Indexed and hashed here, in the loop the JIT has made hot, rather than in a second pass
      // over the transaction at commit (a pass a process runs once is interpreted: 7–10 ms for
      // 100,000 sets in a fresh process). Nothing reads a seq's dot before the commit marks it live.
      local.indexLive(seq, tx.writes.lastAfter)
      tx.liveA = (tx.liveA + dotHashA(local.seedA, seq)) >>> 0
      tx.liveB = (tx.liveB + dotHashB(local.seedB, seq)) >>> 0
      this.seq = seq + 1
    }
    if (tx !== this.tx) this.commit(tx, false)
    return true
  }

  /** Undoes every write of `tx`. */
  rollback (tx: Transaction): void {
    const writes = tx.writes
    const rows = this.chains.rows
    for (let i = writes.length - 1; i >= 0; i--) {
      const after = writes.after(i)
      if (after !== NO_ROW) this.local.dots.delete(rows.seq(after))
      this.chains.undo(writes.before(i), after)
    }
    // Nobody saw these seqs: no op left and nothing was stored, so they can be handed out again.
    this.seq = tx.firstSeq
  }

  /** The ops of `tx`, in write order, to send as one message. */
  opsOf (tx: Transaction): Op[] {
    // The transaction's clock object is the ops' alone: entries keep theirs as numbers.
    const hlc = tx.hlc
    const rows = this.chains.rows
    const writes = tx.writes
    // Made at its size: pushed onto from empty, an array takes room for 17.
    const ops: Op[] = new Array(writes.length)
    for (let i = 0; i < writes.length; i++) {
      const before = writes.before(i)
      const after = writes.after(i)
      ops[i] = after === NO_ROW
        ? { kind: 'delete', key: rows.key(before), removes: dotsOf(rows, before) }
        : {
            kind: 'set',
            key: rows.key(after),
            value: rows.value(after),
            dot: { replica: this.local.id, seq: rows.seq(after) },
            hlc,
            removes: dotsOf(rows, before)
          }
    }
    return ops
  }

  /**
   * Brings the bitmaps in line with a transaction's writes (each set indexed its dot as it was
   * made): its dots are contiguous, so they enter seen and live as one range, and those it
   * overwrote itself leave live and the dot index again with every older dot it replaced. Nothing is signed here, but when `wantOps` (the
   * caller wants the ops back signed, on a platform that signs synchronously): a commit someone
   * listens to queues its ops, and one nobody listens to is signed when its seqs leave the store.
   */
  commit (tx: Transaction, wantOps: boolean): Op[] | undefined {
    const local = this.local
    if (this.seq > tx.firstSeq) {
      local.addFreshRange(tx.firstSeq, this.seq, tx.liveA, tx.liveB)
      this.writers.seenChanged.add(local)
    }
    const rows = this.chains.rows
    const writes = tx.writes
    // Read before the store's change event frees the dead rows that the ops' removes name; while
    // ops are queued every commit queues its own, so that the queued seqs stay contiguous.
    const ops = writes.length > 0 && (wantOps || this.signer.queued || this.hooks.wantsOps()) ? this.opsOf(tx) : undefined
    if (ops == null && writes.replaced > 0) this.keepRemovals(tx)
    if (writes.replaced > 0) {
      for (let i = 0; i < writes.length; i++) {
        for (let row = writes.before(i); row !== NO_ROW; row = rows.next(row)) {
          rows.writer(row).removeLive(rows.seq(row))
          this.chains.retire(row)
        }
      }
    }
    let signed: Op[] | undefined
    if (ops != null) {
      if (wantOps && this.signer.signAll(tx.firstSeq)) signed = this.signer.signNow(ops)
      else this.signer.add(ops, tx.firstSeq)
    }
    this.hooks.committed(tx)
    return signed ?? (wantOps ? ops : undefined)
  }

  /**
   * Hands the signer the removals of a commit that sends no ops, tagged now, while the proofs
   * of what they remove are at hand. An own entry not sealed yet is left out: it will be signed
   * as issued with no entry (a zero leaf), which is its death's evidence.
   */
  private keepRemovals (tx: Transaction): void {
    const signer = this.batchSigner
    if (signer == null) return
    const rows = this.chains.rows
    const writes = tx.writes
    const own = this.local.id
    const removals: TaggedDot[] = []
    for (let i = 0; i < writes.length; i++) {
      for (let row = writes.before(i); row !== NO_ROW; row = rows.next(row)) {
        const dot = { replica: rows.writer(row).id, seq: rows.seq(row) }
        const tag = this.tagOf(dot)
        if (tag != null) removals.push({ ...dot, tag })
        else if (dot.replica !== own || dot.seq < signer.sealedTo) removals.push({ ...dot, tag: NO_TAG })
      }
    }
    if (removals.length > 0) signer.removed(removals, this.seq)
  }

  private fresh (): Transaction {
    return { hlc: this.clock.next(), firstSeq: this.seq, writes: new WriteRecords(this.chains.rows), liveA: 0, liveB: 0 }
  }
}
