import { logger } from '@libp2p/logger'
import { ClockSet } from '../clock-set.ts'
import { EMPTY_DIFF, type Diff, type DiffGroup, type DiffRequest } from '../diff.ts'
import { CorruptStoreError, StoreClosedError, StoreFullError, TransactionError } from '../errors.ts'
import { bytesToKeyString } from '../key-string.ts'
import { MemStore, type DiffFrameOptions, type MemStoreOptions } from '../mem-store.ts'
import { newReplicaId, replicaIdToBytes } from '../replica-id.ts'
import type { ReplicaState } from '../replica-state.ts'
import type { Op, ReplicaId } from '../types.ts'
import { recordKey, type WriteRecord } from '../write-record.ts'
import { levelBackend, type LevelDatabase, type OpenGuard, type StoreFiles } from './level-backend.ts'
import { checkComplete, migrationOps } from './load-checks.ts'
import { asCorrupt, isDiskFull, isLocked, openError } from './open-errors.ts'
import {
  FORMAT_KEY, FORMAT_VERSION, REPLICA_KEY, STATE_KEY, chainKey, checkFormat, decodeRecord, decodeReplicaId, decodeState,
  encodeChain, encodeFormat, encodeState, sealValue, seenKey, unsealValue, type StoreState
} from './record-codec.ts'
import { salvageInto, type SalvageReport } from './salvage.ts'
import { SeqReservation } from './seq-reservation.ts'
import { WriteQueue, type BatchOp } from './write-queue.ts'

const log = logger('roaring-mesh:level-store')

export interface LevelStoreOptions<K, V> extends Omit<MemStoreOptions<K, V>, 'replicaId'> {
  /** A human label for this replica. @default the location */
  name?: string
  /**
   * When the store cannot be opened as it is (a {@link CorruptStoreError}), move its damaged
   * directory aside to `<location>.damaged-<time>` (nothing is deleted), and open a new store at
   * `location` under a **new** replica id holding every entry that checks out; the mesh fills in
   * the rest. {@link LevelStore.salvaged} then says what happened. Node.js only. A store that
   * opens cleanly is opened as usual.
   * @default false
   */
  salvage?: boolean
}

export type { SalvageReport } from './salvage.ts'

/** Records read per step while loading. */
const LOAD_STEP = 10_000

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
  /** Set when this store was made by salvaging a damaged one (`{ salvage: true }`): what was kept, and where the damaged files went. */
  salvaged: SalvageReport | undefined
  readonly #db: LevelDatabase
  readonly #queue: WriteQueue
  readonly #seqs: SeqReservation
  readonly #files: StoreFiles | undefined
  /** The writers whose seen set is on disk (one 'S' record each). */
  readonly #writersOnDisk = new Set<ReplicaId>()
  /** The number of the last batch queued. */
  #batch: number
  /** Settles once the last commit queued is durable. */
  #written: Promise<void> = Promise.resolve()
  #closing: Promise<void> | undefined

  private constructor (location: string, db: LevelDatabase, replicaId: ReplicaId, state: Pick<StoreState, 'reserved' | 'batch'>, options: LevelStoreOptions<K, V>) {
    super(options.name ?? location, { ...options, replicaId })
    this.location = location
    this.#db = db
    this.#files = levelBackend().files
    this.#batch = state.batch
    this.#queue = new WriteQueue(async (ops) => { await db.batch(ops, { sync: true }) }, {
      full: (err) => isDiskFull(err) ? new StoreFullError(`${location}: the disk is full; the commit is kept in memory and written once there is room (${String((err as Error).message)})`, { cause: err }) : undefined,
      recover: async () => {
        await db.close()
        await db.open()
      }
    })
    this.#seqs = new SeqReservation(state.reserved)
  }

  /**
   * Opens the store at `location`, creating it only if the location is missing or empty. Resolves
   * once everything committed before is loaded and checked (every record's checksum, the record
   * counts, and the seal of the last clean close). Rejects with a {@link CorruptStoreError} saying
   * what is damaged, with nothing half-loaded and nothing in the directory changed, unless
   * `options.salvage` is set.
   *
   * @example
   * ```ts
   * const store = await LevelStore.open('./data/notes', { salvage: true })
   * if (store.salvaged != null) console.warn(`salvaged ${store.salvaged.kept} entries; damaged files in ${store.salvaged.movedTo}`)
   * ```
   */
  static async open<K = Uint8Array, V = Uint8Array> (location: string, options: LevelStoreOptions<K, V> = {}): Promise<LevelStore<K, V>> {
    try {
      return await LevelStore.#open<K, V>(location, options)
    } catch (err) {
      const files = levelBackend().files
      if (options.salvage !== true || !(err instanceof CorruptStoreError) || files == null) throw err
      log.error('%s cannot be opened, salvaging it - %e', location, err)
      const { store, report } = await salvageInto(location, files, err, async () => await LevelStore.#open<K, V>(location, { ...options, salvage: false }))
      store.salvaged = report
      log('salvaged %s: kept %d entries, left %d records; damaged files in %s', location, report.kept, report.dropped, report.movedTo)
      return store
    }
  }

  static async #open<K, V> (location: string, options: LevelStoreOptions<K, V>): Promise<LevelStore<K, V>> {
    const files = levelBackend().files
    const kind = await files?.inspect(location) ?? 'database'
    const guard = kind === 'database' ? await files?.guard(location) : undefined
    const db = levelBackend().database(location, { create: kind === 'new' })
    try {
      await db.open()
    } catch (err) {
      await LevelStore.#undo(guard, err)
      throw openError(location, err)
    }
    try {
      const store = await LevelStore.#load<K, V>(location, db, options)
      await guard?.release()
      return store
    } catch (err) {
      await db.close().catch(() => {})
      await LevelStore.#undo(guard, err)
      throw asCorrupt(location, err)
    }
  }

  /** After a failed open: put the files back, unless another process holds the database (then LevelDB touched nothing, and the files are its). */
  static async #undo (guard: OpenGuard | undefined, err: unknown): Promise<void> {
    if (guard == null) return
    if (isLocked(err)) await guard.release()
    else await guard.restore()
  }

  static async #load<K, V> (location: string, db: LevelDatabase, options: LevelStoreOptions<K, V>): Promise<LevelStore<K, V>> {
    const format = await db.get(FORMAT_KEY)
    if (format == null && await isEmpty(db)) return await LevelStore.#create(location, db, options)
    const version = checkFormat(format)
    const replicaId = decodeReplicaId(unsealValue(REPLICA_KEY, await db.get(REPLICA_KEY) ?? new Uint8Array(0), version))
    const stored = await db.get(STATE_KEY)
    const state = decodeState(stored == null ? undefined : unsealValue(STATE_KEY, stored, version), version)
    const store = new LevelStore<K, V>(location, db, replicaId, state, options)
    await store.#restore(state, version)
    return store
  }

  static async #create<K, V> (location: string, db: LevelDatabase, options: LevelStoreOptions<K, V>): Promise<LevelStore<K, V>> {
    const replicaId = newReplicaId()
    const store = new LevelStore<K, V>(location, db, replicaId, { reserved: 0, batch: 0 }, options)
    await store.#persist([
      { type: 'put', key: FORMAT_KEY, value: encodeFormat() },
      { type: 'put', key: REPLICA_KEY, value: sealValue(REPLICA_KEY, replicaIdToBytes(replicaId)) }
    ], [])
    await store.flush()
    return store
  }

  /**
   * Reads every record into memory, checking each, and checks that none is missing; then resumes
   * the seqs and saves the new reservation (and a format 1 store in format 2).
   */
  async #restore (state: StoreState, version: number): Promise<void> {
    const counts = { keys: 0, writers: 0 }
    const iterator = this.#db.iterator()
    try {
      while (true) {
        const step = await iterator.nextv(LOAD_STEP)
        if (step.length === 0) break
        for (const [key, value] of step) this.#restoreRecord(key, value, version, counts)
      }
    } finally {
      await iterator.close()
    }
    checkComplete(state, counts, await this.#files?.readSeal(this.location), this.replicaId)
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
    if (version < FORMAT_VERSION) log('%s: migrating format %d to %d', this.location, version, FORMAT_VERSION)
    this.#persist(version < FORMAT_VERSION ? await migrationOps(this.#db) : [], changed)
    await this.flush()
  }

  #restoreRecord (key: Uint8Array, value: Uint8Array, version: number, counts: { keys: number, writers: number }): void {
    const record = decodeRecord(key, value, version)
    if (record.kind === 'seen') {
      this.restoreSeen(record.replica, record.seen)
      this.#writersOnDisk.add(record.replica)
      counts.writers++
      record.seen.dispose()
    } else if (record.kind === 'chain') {
      counts.keys++
      for (const entry of record.entries) {
        // Seen sets load first (their prefix sorts first): a live dot must already be seen.
        if (!this.restoreEntry(record.key, entry.value, entry.replica, entry.seq, entry.hlc)) throw new CorruptStoreError('corrupt store: a live entry whose dot is not seen, or live twice')
      }
    }
  }

  /**
   * Resolves once everything committed so far is durable. Rejects with a {@link StoreFullError}
   * while the disk is full (each call tries again, so writing resumes once there is room), and
   * with the write's error after any other failure (then reopen the store).
   */
  flush (): Promise<void> {
    if (!this.#queue.full) return this.#written
    const bound = this.#seqs.queued
    const written = this.#queue.idle().then(() => { this.#seqs.reached(bound) })
    // As in #persist: a caller that does not await (a peer integrating gossip) must not crash the process.
    written.catch((err) => { log.error('writing to %s failed - %e', this.location, err) })
    this.#written = written
    return written
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
      const state = this.#stateRecord(this.nextSeq - 1)
      await this.#queue.idle()
      await this.#queue.push([state])
      // Written last: a seal names a batch that is on disk, so a later open that finds less lost something.
      await this.#files?.writeSeal(this.location, { replica: this.replicaId, batch: this.#batch }).catch((err) => {
        log.error('%s: cannot write the seal; the next open cannot check the log - %e', this.location, err)
      })
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
      const stored = chainKey(key)
      ops.push(head == null ? { type: 'del', key: stored } : { type: 'put', key: stored, value: sealValue(stored, encodeChain(head)) })
    }
    this.#persist(ops, replicas)
  }

  /** Publishing waits for durability: a seq other replicas have seen must survive a crash. */
  protected override emitOps (ops: readonly Op[]): void {
    this.#written.then(() => { super.emitOps(ops) }, () => { log.error('commit not durable: its ops are not published') })
  }

  /** Queues `ops` with the seen sets of `replicas` and the store's state as one batch. */
  #persist (ops: BatchOp[], replicas: Iterable<ReplicaState>): void {
    for (const replica of replicas) {
      const key = seenKey(replica.idBytes)
      ops.push({ type: 'put', key, value: sealValue(key, replica.seen.serialize()) })
      this.#writersOnDisk.add(replica.id)
    }
    const bound = this.#seqs.boundFor(this.nextSeq)
    ops.push(this.#stateRecord(bound))
    const written = this.#queue.push(ops).then(() => { this.#seqs.reached(bound) })
    written.catch((err) => { log.error('writing to %s failed - %e', this.location, err) })
    this.#written = written
  }

  /** The state record of the next batch: every batch carries one, so its counts and number are those of the database after it. */
  #stateRecord (reserved: number): BatchOp {
    const value = encodeState({
      nextSeq: this.nextSeq,
      reserved,
      clock: this.clockTime,
      keys: this.size,
      writers: this.#writersOnDisk.size,
      batch: ++this.#batch
    })
    return { type: 'put', key: STATE_KEY, value: sealValue(STATE_KEY, value) }
  }

  /**
   * The diff without local seqs above the reservation on disk (a burst of writes can outrun it
   * until its batch lands): handing one out before then could let a crash reuse it. What is left
   * out comes in a later round. Undefined when nothing is left.
   */
  #durableOnly (diff: Diff): Diff | undefined {
    const bound = this.#seqs.durable
    if (this.nextSeq - 1 <= bound) return diff.groups.length > 0 || diff.needsFullRequest || diff.deathsWithheld === true ? diff : undefined
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
    return groups.length > 0 || diff.needsFullRequest || diff.deathsWithheld === true ? { ...diff, groups } : undefined
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
