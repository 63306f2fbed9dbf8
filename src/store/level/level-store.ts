import { logger } from '@libp2p/logger'
import { ClockSet } from '../clock-set.ts'
import { EMPTY_DIFF, type Diff, type DiffGroup, type DiffRequest } from '../diff.ts'
import { CorruptStoreError, StoreClosedError, TransactionError } from '../errors.ts'
import { bytesToKeyString } from '../key-string.ts'
import { MemStore, type DiffFrameOptions, type MemStoreOptions } from '../mem-store.ts'
import { newReplicaId, replicaIdToBytes } from '../replica-id.ts'
import type { ReplicaState } from '../replica-state.ts'
import type { Op, ReplicaId } from '../types.ts'
import { recordKey, type WriteRecord } from '../write-record.ts'
import { levelBackend, type LevelDatabase } from './level-backend.ts'
import {
  FORMAT_KEY, REPLICA_KEY, STATE_KEY, chainKey, checkFormat, decodeRecord, decodeReplicaId, decodeState,
  encodeChain, encodeFormat, encodeState, seenKey, type StoreState
} from './record-codec.ts'
import { SeqReservation } from './seq-reservation.ts'
import { WriteQueue, type BatchOp } from './write-queue.ts'

const log = logger('roaring-mesh:level-store')

export interface LevelStoreOptions<K, V> extends Omit<MemStoreOptions<K, V>, 'replicaId'> {
  /** A human label for this replica. @default the location */
  name?: string
}

/** Records read per step while loading. */
const LOAD_STEP = 10_000

/** Makes a level "Corruption" failure at open a CorruptStoreError; anything else (a lock held by another process) passes. */
function openError (err: any): Error {
  const cause = err?.cause
  if (err?.code === 'LEVEL_CORRUPTION' || cause?.code === 'LEVEL_CORRUPTION' || /corrupt/i.test(String(cause?.message ?? err?.message))) {
    return new CorruptStoreError(`corrupt store: the database cannot be opened (${String(cause?.message ?? err?.message)})`, { cause: err })
  }
  return err
}

/**
 * A {@link MemStore} that survives restarts and crashes: LevelDB on disk on Node.js (classic-level),
 * IndexedDB in browsers (browser-level). Writes apply in memory at once, as in a MemStore, and
 * every commit (a local transaction, an integrated op batch, an integrated diff) goes to disk as
 * one atomic batch, in commit order; the promise that `commit()`, `integrateOps()` and
 * `integrateDiff()` return resolves once it is durable, and `flush()` waits for everything so
 * far. The 'ops' event fires only once its commit is durable.
 *
 * @example
 * ```ts
 * const store = await LevelStore.open<string, Todo>('./data/todo', { keys: stringCodec, values: jsonCodec() })
 * store.begin()
 * store.set('milk', { title: 'Buy milk', done: false })
 * await store.commit()       // on disk
 * await store.close()
 * ```
 */
export class LevelStore<K = Uint8Array, V = Uint8Array> extends MemStore<K, V> {
  /** The directory (Node.js) or IndexedDB database name (browsers) the store lives in. */
  readonly location: string
  readonly #db: LevelDatabase
  readonly #queue: WriteQueue
  readonly #seqs: SeqReservation
  /** Settles once the last commit queued is durable. */
  #written: Promise<void> = Promise.resolve()
  #closing: Promise<void> | undefined

  private constructor (location: string, db: LevelDatabase, replicaId: ReplicaId, reserved: number, options: LevelStoreOptions<K, V>) {
    super(options.name ?? location, { ...options, replicaId })
    this.location = location
    this.#db = db
    this.#queue = new WriteQueue(async (ops) => { await db.batch(ops, { sync: true }) })
    this.#seqs = new SeqReservation(reserved)
  }

  /**
   * Opens the store at `location`, creating it if missing. Resolves once everything committed
   * before is loaded; rejects with a {@link CorruptStoreError} if the database is not a
   * roaring-mesh store or any record of it fails validation (nothing is half-loaded).
   */
  static async open<K = Uint8Array, V = Uint8Array> (location: string, options: LevelStoreOptions<K, V> = {}): Promise<LevelStore<K, V>> {
    const db = levelBackend().database(location)
    try {
      await db.open()
    } catch (err) {
      throw openError(err)
    }
    try {
      const format = await db.get(FORMAT_KEY)
      if (format == null && await isEmpty(db)) return await LevelStore.#create(location, db, options)
      checkFormat(format)
      const replicaId = decodeReplicaId(await db.get(REPLICA_KEY))
      const state = decodeState(await db.get(STATE_KEY))
      const store = new LevelStore<K, V>(location, db, replicaId, state.reserved, options)
      await store.#load(state)
      return store
    } catch (err) {
      await db.close()
      throw err
    }
  }

  static async #create<K, V> (location: string, db: LevelDatabase, options: LevelStoreOptions<K, V>): Promise<LevelStore<K, V>> {
    const replicaId = newReplicaId()
    const store = new LevelStore<K, V>(location, db, replicaId, 0, options)
    await store.#persist([
      { type: 'put', key: FORMAT_KEY, value: encodeFormat() },
      { type: 'put', key: REPLICA_KEY, value: replicaIdToBytes(replicaId) }
    ], [])
    await store.flush()
    return store
  }

  /** Reads every record into memory, checking each, then resumes the seqs and saves the new reservation. */
  async #load (state: StoreState): Promise<void> {
    const iterator = this.#db.iterator()
    try {
      while (true) {
        const step = await iterator.nextv(LOAD_STEP)
        if (step.length === 0) break
        for (const [key, value] of step) this.#restoreRecord(key, value)
      }
    } finally {
      await iterator.close()
    }
    const { nextSeq, skipFrom } = SeqReservation.resume(state)
    const changed = new Set<ReplicaState>()
    if (skipFrom < nextSeq) {
      const skipped = new ClockSet()
      skipped.addRange(skipFrom, nextSeq)
      changed.add(this.restoreSeen(this.replicaId, skipped))
      skipped.dispose()
    }
    this.restoreNextSeq(nextSeq)
    this.restoreClock(state.clock)
    this.#persist([], changed)
    await this.flush()
  }

  #restoreRecord (key: Uint8Array, value: Uint8Array): void {
    const record = decodeRecord(key, value)
    if (record.kind === 'seen') {
      this.restoreSeen(record.replica, record.seen)
      record.seen.dispose()
    } else if (record.kind === 'chain') {
      for (const entry of record.entries) {
        // Seen sets load first (their prefix sorts first): a live dot must already be seen.
        if (!this.restoreEntry(record.key, entry.value, entry.replica, entry.seq, entry.hlc)) throw new CorruptStoreError('corrupt store: a live entry whose dot is not seen, or live twice')
      }
    }
  }

  /** Resolves once everything committed so far is durable; rejects if a write failed (then reopen the store). */
  flush (): Promise<void> {
    return this.#written
  }

  /** Flushes, saves that no reserved seq is in use, and closes the database. The store takes no writes afterwards. */
  close (): Promise<void> {
    if (this.inTransaction) return Promise.reject(new TransactionError('close() inside an open transaction'))
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close (): Promise<void> {
    try {
      // Every seq up to nextSeq - 1 is committed: give the rest of the reservation back, so a
      // clean reopen skips nothing and its state hash is the one we close with.
      const state = encodeState({ nextSeq: this.nextSeq, reserved: this.nextSeq - 1, clock: this.clockTime })
      await this.#queue.idle()
      await this.#queue.push([{ type: 'put', key: STATE_KEY, value: state }])
    } finally {
      await this.#db.close()
    }
  }

  override begin (): void {
    this.#requireOpen('begin')
    super.begin()
  }

  override set (key: K, value: V): this {
    this.#requireOpen('set')
    return super.set(key, value)
  }

  override delete (key: K): boolean {
    this.#requireOpen('delete')
    return super.delete(key)
  }

  /** Commits the open transaction; resolves once it is durable. */
  override commit (): Promise<void> {
    super.commit()
    return this.flush()
  }

  override integrateOp (op: Op): Promise<void> {
    return this.integrateOps([op])
  }

  /** Integrates remote ops (see {@link MemStore.integrateOps}); resolves once durable. A bad batch throws at once. */
  override integrateOps (ops: readonly Op[]): Promise<void> {
    this.#requireOpen('integrateOps')
    super.integrateOps(ops)
    return this.flush()
  }

  /** Integrates a diff or frame (see {@link MemStore.integrateDiff}); resolves once durable. A bad diff throws at once. */
  override integrateDiff (diff: Diff): Promise<void> {
    this.#requireOpen('integrateDiff')
    super.integrateDiff(diff)
    return this.flush()
  }

  override buildDiff (request: DiffRequest): Diff {
    return this.#durableOnly(super.buildDiff(request)) ?? EMPTY_DIFF
  }

  override * buildDiffFrames (request: DiffRequest, options?: DiffFrameOptions): Generator<Diff> {
    for (const frame of super.buildDiffFrames(request, options)) {
      const visible = this.#durableOnly(frame)
      if (visible != null) yield visible
    }
  }

  protected override committed (records: readonly WriteRecord[], replicas: ReadonlySet<ReplicaState>): void {
    const ops: BatchOp[] = []
    const done = records.length > 1 ? new Set<string>() : undefined
    for (const record of records) {
      const key = recordKey(record)
      if (done != null) {
        const name = bytesToKeyString(key)
        if (done.has(name)) continue
        done.add(name)
      }
      const head = this.chainAt(key)
      ops.push(head == null ? { type: 'del', key: chainKey(key) } : { type: 'put', key: chainKey(key), value: encodeChain(head) })
    }
    this.#persist(ops, replicas)
  }

  /** Publishing waits for durability: a seq other replicas have seen must survive a crash. */
  protected override emitOps (ops: readonly Op[]): void {
    this.#written.then(() => { super.emitOps(ops) }, () => { log.error('commit not durable: its ops are not published') })
  }

  /** Queues `ops` with the seen sets of `replicas` and the store's state as one batch. */
  #persist (ops: BatchOp[], replicas: Iterable<ReplicaState>): void {
    for (const replica of replicas) ops.push({ type: 'put', key: seenKey(replica.idBytes), value: replica.seen.serialize() })
    const bound = this.#seqs.boundFor(this.nextSeq)
    ops.push({ type: 'put', key: STATE_KEY, value: encodeState({ nextSeq: this.nextSeq, reserved: bound, clock: this.clockTime }) })
    const written = this.#queue.push(ops).then(() => { this.#seqs.reached(bound) })
    written.catch((err) => { log.error('writing to %s failed - %e', this.location, err) })
    this.#written = written
  }

  /**
   * The diff without local seqs above the reservation on disk (a burst of writes can outrun it
   * until its batch lands): handing one out before then could let a crash reuse it. What is left
   * out comes in a later round. Undefined when nothing is left.
   */
  #durableOnly (diff: Diff): Diff | undefined {
    const bound = this.#seqs.durable
    if (this.nextSeq - 1 <= bound) return diff.groups.length > 0 || diff.needsFullRequest ? diff : undefined
    const groups: DiffGroup[] = []
    for (const group of diff.groups) {
      if (group.replica !== this.replicaId) {
        groups.push(group)
        continue
      }
      const entries = group.entries.filter((entry) => entry.seq <= bound)
      let deaths = group.deaths?.slice(1, bound + 1)
      group.deaths?.dispose()
      if (deaths?.isEmpty === true) {
        deaths.dispose()
        deaths = undefined
      }
      if (entries.length > 0 || deaths != null) groups.push(deaths == null ? { replica: group.replica, entries } : { replica: group.replica, entries, deaths })
    }
    return groups.length > 0 || diff.needsFullRequest ? { needsFullRequest: diff.needsFullRequest, groups } : undefined
  }

  #requireOpen (what: string): void {
    if (this.#closing != null) throw new StoreClosedError(`${what}() on a closed store (${this.location})`)
  }
}

async function isEmpty (db: LevelDatabase): Promise<boolean> {
  const iterator = db.iterator()
  try {
    return (await iterator.nextv(1)).length === 0
  } finally {
    await iterator.close()
  }
}
