import { logger } from '@libp2p/logger'
import { ClockSet } from '../clock-set.ts'
import { EMPTY_DIFF, type Diff, type DiffGroup, type DiffRequest } from '../diff.ts'
import { CorruptStoreError, OutdatedStoreError, StoreClosedError, TransactionError } from '../errors.ts'
import { MemStore, type MemStoreOptions } from '../mem-store.ts'
import { refuseReplicaId } from '../mem-store-options.ts'
import { replicaIdToBytes } from '../replica-id.ts'
import { WriterKey, generateWriterKey } from '../writer-keys/writer-key.ts'
import { WriterKeysMismatchError } from '../writer-keys/errors.ts'
import type { ReplicaState } from '../replica-state.ts'
import type { DiffFrameOptions, ReplicaStore } from '../replica-store.ts'
import type { Dot, Op, ReplicaId, Sibling } from '../types.ts'
import { levelBackend, type LevelDatabase, type OpenGuard, type StoreFiles } from './level-backend.ts'
import { LevelPersistence } from './level-persistence.ts'
import { checkComplete, repackOps } from './load-checks.ts'
import { asCorrupt, isLocked, openError } from './open-errors.ts'
import { PACK_RANGE } from './pack-codec.ts'
import {
  FORMAT_KEY, FORMAT_VERSION, KEYED_FORMAT, PACKED_FORMAT, REPLICA_KEY, STATE_KEY, UNSIGNED_KEY, WRITER_KEY, checkFormat, decodeRecord, decodeReplicaId, decodeState,
  describeKey, encodeFormat, isChainKey, sealValue, unsealValue, type StoreState, type StoredEntry
} from './record-codec.ts'
import { salvageInto, type SalvageReport } from './salvage.ts'
import { SeqReservation } from './seq-reservation.ts'
import type { BatchOp } from './write-queue.ts'

const log = logger('roaring-mesh:level-store')

export interface LevelStoreOptions<K, V> extends Omit<MemStoreOptions<K, V>, 'writer' | 'persistence'> {
  /** The writer key of a store made new here (kept in the store, so the replica keeps its id). @default a fresh key */
  writer?: WriterKey
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

/**
 * Records read per step while loading, and the bytes classic-level reads for one step at most:
 * its default, 16 KiB, cut steps of small records (seen sets, format 3 entries) at ~80, each a
 * round trip to LevelDB's thread. Entry packs (up to 64 KiB) come one per step under the default,
 * which measured the same CPU time as 1 and 4 MiB steps and the least memory left after the open.
 */
const LOAD_STEP = 10_000
const LOAD_STEP_BYTES = 4 << 20
const PACK_STEP = 16

/**
 * A replica that survives restarts and crashes: LevelDB on disk on Node.js (classic-level),
 * IndexedDB in browsers (browser-level). It holds a {@link MemStore} as its core and keeps it on
 * disk through the core's persistence seam ({@link LevelPersistence}). Writes apply in memory at once, and
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
export class LevelStore<K = Uint8Array, V = Uint8Array> implements ReplicaStore<K, V> {
  /** The directory (Node.js) or IndexedDB database name (browsers) the store lives in. */
  readonly location: string
  /** Set when this store was made by salvaging a damaged one (`{ salvage: true }`): what was kept, and where the damaged files went. */
  salvaged: SalvageReport | undefined
  /** The replica in memory; every change to it goes to disk through {@link #disk}. */
  readonly #core: MemStore<K, V>
  readonly #disk: LevelPersistence
  readonly #db: LevelDatabase
  readonly #files: StoreFiles | undefined
  #closing: Promise<void> | undefined
  /** Listens to the store's events (they are its core's): `change`, `ops` (once durable), `foreign-dot`. */
  readonly addEventListener: MemStore<K, V>['addEventListener']
  readonly removeEventListener: MemStore<K, V>['removeEventListener']

  private constructor (location: string, db: LevelDatabase, writer: WriterKey, state: Pick<StoreState, 'reserved' | 'batch'>, options: LevelStoreOptions<K, V>) {
    this.location = location
    this.#db = db
    this.#files = levelBackend().files
    let disk: LevelPersistence | undefined
    this.#core = new MemStore<K, V>(options.name ?? location, {
      ...options,
      writer,
      persistence: (access) => (disk = new LevelPersistence(location, db, state, access))
    })
    this.#disk = disk!
    this.addEventListener = this.#core.addEventListener.bind(this.#core)
    this.removeEventListener = this.#core.removeEventListener.bind(this.#core)
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
    refuseReplicaId(options)
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
    if (version < KEYED_FORMAT) throw new OutdatedStoreError(location, version)
    // Before anything is read: the other kind is refused with the files as they were.
    const unsigned = await db.get(UNSIGNED_KEY) != null
    if (unsigned !== (options.writerKeys === false)) {
      throw new WriterKeysMismatchError(unsigned
        ? `${location} was made with writerKeys: false (its writers are not bound to keys): open it with { writerKeys: false } (CLI: --no-writer-keys). Nothing was changed`
        : `${location} binds its writers to keys: it cannot be opened with writerKeys: false. Nothing was changed`)
    }
    const replicaId = decodeReplicaId(unsealValue(REPLICA_KEY, await db.get(REPLICA_KEY) ?? new Uint8Array(0), version))
    const savedWriter = await db.get(WRITER_KEY)
    if (savedWriter == null) throw new CorruptStoreError('corrupt store: the writer key record is missing')
    const writer = await WriterKey.fromBytes(unsealValue(WRITER_KEY, savedWriter, version)).catch((err) => { throw new CorruptStoreError(`corrupt store: the writer key record - ${String(err.message)}`) })
    if (writer.replicaId !== replicaId) throw new CorruptStoreError(`corrupt store: the writer key derives replica ${writer.replicaId}, the store is ${replicaId}`)
    const stored = await db.get(STATE_KEY)
    const state = decodeState(stored == null ? undefined : unsealValue(STATE_KEY, stored, version), version)
    const store = new LevelStore<K, V>(location, db, writer, state, options)
    await store.#restore(state, version)
    // LevelDB keeps every table it has read mapped into memory while the table is in its cache,
    // and the load read them all (~180 B per entry at 144-byte entries): reopening unmaps them.
    await db.unmapTables?.()
    // Merges read and write the database: only once it is open for good.
    store.#disk.packs.maybeMerge()
    return store
  }

  static async #create<K, V> (location: string, db: LevelDatabase, options: LevelStoreOptions<K, V>): Promise<LevelStore<K, V>> {
    const writer = options.writer ?? await generateWriterKey()
    const store = new LevelStore<K, V>(location, db, writer, { reserved: 0, batch: 0 }, options)
    store.#disk.persist([
      { type: 'put', key: FORMAT_KEY, value: encodeFormat() },
      { type: 'put', key: REPLICA_KEY, value: sealValue(REPLICA_KEY, replicaIdToBytes(writer.replicaId)) },
      { type: 'put', key: WRITER_KEY, value: sealValue(WRITER_KEY, writer.toBytes()) },
      ...(options.writerKeys === false ? [{ type: 'put' as const, key: UNSIGNED_KEY, value: sealValue(UNSIGNED_KEY, Uint8Array.of(1)) }] : [])
    ], [])
    await store.flush()
    return store
  }

  /**
   * Reads every record into memory, checking each, and checks that none is missing; then resumes
   * the seqs and saves the new reservation (and a store of an older format in this one).
   */
  async #restore (state: StoreState, version: number): Promise<void> {
    const counts = { keys: 0, writers: 0 }
    // Seen sets before entries (a live dot must already be seen); packs a few at a time.
    const none = new Set<string>()
    await this.#read({ lt: PACK_RANGE.gte, highWaterMarkBytes: LOAD_STEP_BYTES }, LOAD_STEP, (key, value) => { this.#restoreRecord(key, value, version, counts) })
    await this.#read(PACK_RANGE, PACK_STEP, (key, value) => {
      if (version < PACKED_FORMAT) throw new CorruptStoreError(`corrupt store: an entry pack in a format ${version} store`)
      this.#disk.packs.load(key, value, none, (entryKey, entries) => { this.#restoreChain(entryKey, entries) })
      counts.keys++
    })
    await this.#read({ gte: PACK_RANGE.lt, highWaterMarkBytes: LOAD_STEP_BYTES }, LOAD_STEP, (key, value) => { this.#restoreRecord(key, value, version, counts) })
    checkComplete(state, counts, await this.#files?.readSeal(this.location), this.replicaId)
    const { nextSeq, skipFrom } = SeqReservation.resume(state)
    const changed = new Set<ReplicaState>()
    const { restorer } = this.#disk
    if (skipFrom < nextSeq) {
      const skipped = new ClockSet()
      skipped.addRange(skipFrom, nextSeq)
      changed.add(restorer.restoreSeen(this.replicaId, skipped))
      skipped.dispose()
    }
    restorer.restoreNextSeq(nextSeq)
    restorer.restoreClock(state.clock)
    const ops = version < PACKED_FORMAT ? await this.#repackOps(version) : []
    this.#disk.persist(ops, changed)
    await this.flush()
  }

  async #repackOps (version: number): Promise<BatchOp[]> {
    log('%s: repacking format %d as %d', this.location, version, FORMAT_VERSION)
    const repacker = this.#disk.repacker()
    const ops = await repackOps(this.#db, repacker.add)
    repacker.finish(ops)
    return ops
  }

  /** Hands `visit` every record in `range`, `step` at a time; the next step is read while this one is loaded (LevelDB reads in its own thread). */
  async #read (range: { gte?: Uint8Array, lt?: Uint8Array, highWaterMarkBytes?: number }, step: number, visit: (key: Uint8Array, value: Uint8Array) => void): Promise<void> {
    const iterator = this.#db.iterator(range)
    let next = iterator.nextv(step)
    try {
      while (true) {
        const records = await next
        if (records.length === 0) break
        next = iterator.nextv(step)
        for (const [key, value] of records) visit(key, value)
      }
    } finally {
      await next.catch(() => {})
      await iterator.close()
    }
  }

  #restoreRecord (key: Uint8Array, value: Uint8Array, version: number, counts: { keys: number, writers: number }): void {
    if (version >= PACKED_FORMAT && isChainKey(key)) throw new CorruptStoreError(`corrupt store: ${describeKey(key)}, of format 3, in a format ${version} store`)
    const record = decodeRecord(key, value, version)
    const { restorer } = this.#disk
    if (record.kind === 'proof') {
      restorer.restoreProof(record.replica, record.card, record.proof)
    } else if (record.kind === 'seen') {
      restorer.restoreSeen(record.replica, record.seen)
      this.#disk.loaded(record.replica)
      counts.writers++
      record.seen.dispose()
    } else if (record.kind === 'chain') {
      counts.keys++
      this.#restoreChain(record.key, record.entries)
    }
  }

  #restoreChain (key: Uint8Array, entries: readonly StoredEntry[]): void {
    const { restorer } = this.#disk
    for (const entry of entries) {
      // Seen sets load first: a live dot must already be seen.
      if (!restorer.restoreEntry(key, entry.value, entry.replica, entry.seq, entry.hlc)) throw new CorruptStoreError('corrupt store: a live entry whose dot is not seen, or live twice')
    }
  }

  /**
   * Resolves once everything committed so far is durable. Rejects with a {@link StoreFullError}
   * while the disk is full (each call tries again, so writing resumes once there is room), and
   * with the write's error after any other failure (then reopen the store).
   */
  flush (): Promise<void> {
    return this.#disk.flush()
  }

  /** Flushes, saves that no reserved seq is in use, and closes the database. The store takes no writes afterwards. */
  close (): Promise<void> {
    if (this.inTransaction) return Promise.reject(new TransactionError('close() inside an open transaction'))
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close (): Promise<void> {
    try {
      await this.#disk.finish()
      // Written last: a seal names a batch that is on disk, so a later open that finds less lost something.
      await this.#files?.writeSeal(this.location, { replica: this.replicaId, batch: this.#disk.batch }).catch((err) => {
        log.error('%s: cannot write the seal; the next open cannot check the log - %e', this.location, err)
      })
    } finally {
      await this.#db.close()
    }
  }

  // The store's API: MemStore's, with every write refused once closing, and every change durable
  // once the promise a writing call returns resolves.

  /** A human label for this replica. */
  get name (): string | undefined {
    return this.#core.name
  }

  /** This replica's id, kept in the store across restarts. */
  get replicaId (): ReplicaId {
    return this.#core.replicaId
  }

  /** The key this replica signs its writes with, kept in the store (so the replica keeps its id). */
  /** Whether writers are bound to keys: false for a store made with `writerKeys: false`, which it remembers. */
  get writerKeys (): boolean {
    return this.#core.writerKeys
  }

  get writer (): WriterKey {
    return this.#core.writer
  }

  /** Resolves once every local commit so far has been signed and its 'ops' event fired (see {@link MemStore.signed}). */
  async signed (): Promise<void> {
    await this.#core.signed()
    // The proofs just made go to disk before the ops they cover are published.
    await this.flush()
  }

  /** See {@link MemStore.verifyOps}. */
  async verifyOps (ops: readonly Op[]): Promise<boolean> {
    return await this.#core.verifyOps(ops)
  }

  /** See {@link MemStore.verifyDiff}. */
  async verifyDiff (diff: Diff): Promise<void> {
    await this.#core.verifyDiff(diff)
  }

  get size (): number {
    return this.#core.size
  }

  get inTransaction (): boolean {
    return this.#core.inTransaction
  }

  get (key: K): V | undefined {
    return this.#core.get(key)
  }

  has (key: K): boolean {
    return this.#core.has(key)
  }

  entries (): Array<[K, V]> {
    return this.#core.entries()
  }

  conflicts (key: K): Array<Sibling<V>> {
    return this.#core.conflicts(key)
  }

  set (key: K, value: V): this {
    this.#requireOpen('set')
    this.#core.set(key, value)
    return this
  }

  insert (key: K, value: V): this {
    return this.set(key, value)
  }

  delete (key: K): boolean {
    this.#requireOpen('delete')
    return this.#core.delete(key)
  }

  insertWithOp (key: K, value: V): Op {
    this.#requireOpen('insertWithOp')
    return this.#core.insertWithOp(key, value)
  }

  deleteWithOp (key: K): Op {
    this.#requireOpen('deleteWithOp')
    return this.#core.deleteWithOp(key)
  }

  begin (): void {
    this.#requireOpen('begin')
    this.#core.begin()
  }

  /** Commits the open transaction; resolves once it is durable. */
  commit (): Promise<void> {
    this.#core.commit()
    return this.flush()
  }

  /** Commits and returns the transaction's ops; `flush()` tells when they are durable (the 'ops' event waits for it). */
  commitWithOps (): Op[] {
    return this.#core.commitWithOps()
  }

  rollback (): void {
    this.#core.rollback()
  }

  /** Runs `fn` in a transaction: commits if it returns (durable once `flush()` resolves), rolls back and rethrows if it throws. */
  transact<T> (fn: (store: this) => T): T {
    this.#requireOpen('transact')
    return this.#core.transact(() => fn(this))
  }

  integrateOp (op: Op): Promise<void> {
    return this.integrateOps([op])
  }

  /** Integrates remote ops (see {@link MemStore.integrateOps}); resolves once durable. A bad batch throws at once. */
  integrateOps (ops: readonly Op[]): Promise<void> {
    this.#requireOpen('integrateOps')
    this.#core.integrateOps(ops)
    return this.flush()
  }

  requestDiff (options?: { summary?: boolean, hash?: boolean, narrowDeaths?: boolean }): DiffRequest {
    return this.#core.requestDiff(options)
  }

  /** See {@link MemStore.deathsInDoubt}. */
  deathsInDoubt (): boolean {
    return this.#core.deathsInDoubt()
  }

  buildDiff (request: DiffRequest): Diff {
    return this.#durableOnly(this.#core.buildDiff(request)) ?? EMPTY_DIFF
  }

  * buildDiffFrames (request: DiffRequest, options?: DiffFrameOptions): Generator<Diff> {
    for (const frame of this.#core.buildDiffFrames(request, options)) {
      const visible = this.#durableOnly(frame)
      if (visible != null) yield visible
    }
  }

  /** Integrates a diff or frame (see {@link MemStore.integrateDiff}); resolves once durable. A bad diff throws at once. */
  integrateDiff (diff: Diff): Promise<void> {
    this.#requireOpen('integrateDiff')
    this.#core.integrateDiff(diff)
    return this.flush()
  }

  hasSeen (dot: Dot): boolean {
    return this.#core.hasSeen(dot)
  }

  stateHash (): Uint8Array {
    return this.#core.stateHash()
  }

  /**
   * The diff without local seqs above the reservation on disk (a burst of writes can outrun it
   * until its batch lands): handing one out before then could let a crash reuse it. What is left
   * out comes in a later round. Undefined when nothing is left.
   */
  #durableOnly (diff: Diff): Diff | undefined {
    const bound = this.#disk.durableSeq
    if (this.#disk.lastIssued <= bound) return diff.groups.length > 0 || diff.needsFullRequest || diff.deathsWithheld === true ? diff : undefined
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
      if (entries.length > 0 || deaths != null) groups.push(deaths == null ? { replica: group.replica, card: group.card, proofs: group.proofs, entries } : { replica: group.replica, card: group.card, proofs: group.proofs, entries, deaths })
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
