import { logger } from '@libp2p/logger'
import { StoreFullError } from '../errors.ts'
import { bytesToKeyString } from '../key-string.ts'
import { isDiskFull } from './open-errors.ts'
import { PackLog } from './pack-compaction.ts'
import { PackWriter } from './pack-codec.ts'
import { encodeProof } from './proof-record.ts'
import { sealValue } from './record-codec.ts'
import { STATE_KEY, proofKey, seenKey } from './record-keys.ts'
import { encodeState, type StoreState } from './state-record.ts'
import type { BatchProof } from '../diff.ts'
import { SeqReservation } from './seq-reservation.ts'
import { WriteQueue, type BatchOp } from './write-queue.ts'
import type { LevelDatabase } from './level-backend.ts'
import type { ReplicaState } from '../replica-state.ts'
import type { CommittedChanges, PersistenceAccess, StorePersistence, StoreRestorer, StoreView } from '../store-persistence.ts'
import type { ReplicaId } from '../types.ts'

const log = logger('roaring-mesh:level-store')

/**
 * How a LevelStore keeps its in-memory core on disk: every commit becomes one atomic batch of
 * records (the changed keys' chains, packed, the changed writers' seen sets, the state record),
 * queued in commit order; a local commit's ops are published once its batch is durable.
 */
export class LevelPersistence implements StorePersistence {
  readonly restorer: StoreRestorer
  /** The entry packs on disk (pack-compaction.ts). */
  readonly packs: PackLog
  readonly #location: string
  readonly #view: StoreView
  readonly #queue: WriteQueue
  readonly #seqs: SeqReservation
  /** The writers whose seen set is on disk (one 'S' record each). */
  readonly #writersOnDisk = new Set<ReplicaId>()
  /** The number of the last batch queued. */
  #batch: number
  /** Settles once the last commit queued is durable. */
  #written: Promise<void> = Promise.resolve()
  /** Proof records waiting for the next batch. */
  #proofOps: BatchOp[] = []
  #proofFlush = false
  /** 'ops' events waiting for the batch that holds their proof to be queued. */
  #held: Array<() => void> = []

  constructor (location: string, db: LevelDatabase, state: Pick<StoreState, 'reserved' | 'batch'>, access: PersistenceAccess) {
    this.#location = location
    this.#view = access.view
    this.restorer = access.restorer
    this.#batch = state.batch
    this.#queue = new WriteQueue(async (ops) => { await db.batch(ops, { sync: true }) }, {
      full: (err) => isDiskFull(err) ? new StoreFullError(`${location}: the disk is full; the commit is kept in memory and written once there is room (${String((err as Error).message)})`, { cause: err }) : undefined,
      recover: async () => {
        await db.close()
        await db.open()
      }
    })
    this.#seqs = new SeqReservation(state.reserved)
    this.packs = new PackLog(db, access.view, { persist: (ops) => { this.persist(ops, []) }, idle: async () => { await this.#queue.idle() } })
  }

  /** The number of the last batch queued (the seal names it). */
  get batch (): number {
    return this.#batch
  }

  /** Every local seq up to this one is covered by the reservation on disk, and may be handed out. */
  get durableSeq (): number {
    return this.#seqs.durable
  }

  /** The last local seq issued. */
  get lastIssued (): number {
    return this.#view.nextSeq - 1
  }

  /** Packs the state of each key `add` is given (migrating an older store); `finish` puts the packs in `ops`. */
  repacker (): { add: (key: Uint8Array) => void, finish: (ops: BatchOp[]) => void } {
    const writer = new PackWriter()
    return {
      add: (key) => { writer.add(key, this.#view.chainAt(key)) },
      finish: (ops) => { this.packs.write(writer, ops) }
    }
  }

  /** A writer loaded from disk has its seen set there already. */
  loaded (replicaId: ReplicaId): void {
    this.#writersOnDisk.add(replicaId)
  }

  committed ({ records, writers }: CommittedChanges): void {
    const writer = new PackWriter()
    const done = records.length > 1 ? new Set<string>() : undefined
    for (let i = 0; i < records.length; i++) {
      const key = records.key(i)
      if (done != null) {
        const name = bytesToKeyString(key)
        if (done.has(name)) continue
        done.add(name)
      }
      writer.add(key, this.#view.chainAt(key))
    }
    const ops: BatchOp[] = []
    this.packs.write(writer, ops)
    this.persist(ops, writers)
    this.packs.maybeMerge()
  }

  /**
   * Publishing waits for durability: a seq other replicas have seen must survive a crash, and so
   * must the proof they have seen for it (queued by `proved` just before; a microtask at most).
   */
  publish (emit: () => void): void {
    this.#held.push(emit)
    queueMicrotask(() => { this.#release() })
  }

  #release (): void {
    if (this.#held.length === 0) return
    const held = this.#held
    this.#held = []
    this.#written.then(() => { for (const emit of held) emit() }, () => { log.error('commit not durable: its ops are not published') })
  }

  /** A proof the store keeps goes to disk with the next batch (one of its own if nothing else comes). */
  proved (writer: ReplicaState, proof: BatchProof): void {
    const card = writer.proofs.card
    if (card == null) return
    const key = proofKey(writer.idBytes, proof)
    this.#proofOps.push({ type: 'put', key, value: sealValue(key, encodeProof(card, proof)) })
    if (this.#proofFlush) return
    this.#proofFlush = true
    queueMicrotask(() => {
      this.#proofFlush = false
      if (this.#proofOps.length > 0) this.persist([], [])
    })
  }

  /** Queues `ops` with the seen sets of `writers` and the store's state as one batch. */
  persist (ops: BatchOp[], writers: Iterable<ReplicaState>): void {
    if (this.#proofOps.length > 0) {
      ops.unshift(...this.#proofOps)
      this.#proofOps = []
    }
    for (const replica of writers) {
      const key = seenKey(replica.idBytes)
      ops.push({ type: 'put', key, value: sealValue(key, replica.seen.serialize()) })
      this.#writersOnDisk.add(replica.id)
    }
    const bound = this.#seqs.boundFor(this.#view.nextSeq)
    ops.push(this.#stateRecord(bound))
    const written = this.#queue.push(ops).then(() => { this.#seqs.reached(bound) })
    written.catch((err) => { log.error('writing to %s failed - %e', this.#location, err) })
    this.#written = written
    this.#release()
  }

  /**
   * Resolves once everything committed so far is durable. Rejects with a {@link StoreFullError}
   * while the disk is full (each call tries again), and with the write's error after any other failure.
   */
  flush (): Promise<void> {
    if (!this.#queue.full) return this.#written
    const bound = this.#seqs.queued
    const written = this.#queue.idle().then(() => { this.#seqs.reached(bound) })
    // As in persist: a caller that does not await (a peer integrating gossip) must not crash the process.
    written.catch((err) => { log.error('writing to %s failed - %e', this.#location, err) })
    this.#written = written
    return written
  }

  /**
   * The last batch: every seq up to nextSeq - 1 is committed, so the rest of the reservation is
   * given back, and a clean reopen skips nothing and finds the state hash we close with.
   */
  async finish (): Promise<void> {
    await this.packs.stop()
    // Ops someone listens to go out before the close; commits nobody listened to are signed
    // after the next open, from what it restores (see LocalWrites.nextSeq).
    await this.#view.opsSent()
    if (this.#proofOps.length > 0) this.persist([], [])
    const state = this.#stateRecord(this.#view.nextSeq - 1)
    await this.#queue.idle()
    await this.#queue.push([state])
  }

  /** The state record of the next batch: every batch carries one, so its counts and number are those of the database after it. */
  #stateRecord (reserved: number): BatchOp {
    const value = encodeState({
      nextSeq: this.#view.nextSeq,
      reserved,
      clock: this.#view.clockTime,
      keys: this.packs.count,
      writers: this.#writersOnDisk.size,
      batch: ++this.#batch
    })
    return { type: 'put', key: STATE_KEY, value: sealValue(STATE_KEY, value) }
  }
}
