import { logger } from '@libp2p/logger'
import { EMPTY_DIFF, type Diff, type DiffRequest } from '../diff.ts'
import { StoreClosedError, TransactionError, type CorruptStoreError } from '../errors.ts'
import { MemStore } from '../mem-store.ts'
import { refuseReplicaId } from '../mem-store-options.ts'
import type { WriterKey } from '../writer-keys/writer-key.ts'
import type { DiffFrameOptions, ReplicaStore } from '../replica-store.ts'
import type { Dot, Op, ReplicaId, Sibling } from '../types.ts'
import { durableOnly } from './durable-diff.ts'
import { levelBackend, type LevelDatabase, type StoreFiles } from './level-backend.ts'
import { LevelPersistence } from './level-persistence.ts'
import { openLevelStore, type LevelStoreOptions } from './level-store-open.ts'
import type { SalvageReport } from './salvage.ts'
import type { StoreState } from './state-record.ts'

const log = logger('roaring-mesh:level-store')

export type { LevelStoreOptions } from './level-store-open.ts'
export type { SalvageReport } from './salvage.ts'

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
    return await openLevelStore(location, options, (db, writer, state, opened) => {
      const store = new LevelStore<K, V>(location, db, writer, state, opened)
      return { store, disk: store.#disk }
    })
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
      // Commits nobody listened to are signed now, their removals with them: kept only in memory
      // until then, they are the evidence of the deaths those commits caused.
      await this.#core.signed().catch((err) => { log.error('%s: cannot sign the last commits before closing - %e', this.location, err) })
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

  /** Whether writers are bound to keys: false for a store made with `writerKeys: false`, which it remembers. */
  get writerKeys (): boolean {
    return this.#core.writerKeys
  }

  /** The key this replica signs its writes with, kept in the store (so the replica keeps its id). */
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
  async verifyDiff (diff: Diff, options?: { signal?: AbortSignal }): Promise<void> {
    await this.#core.verifyDiff(diff, options)
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

  #durableOnly (diff: Diff): Diff | undefined {
    return durableOnly(diff, this.replicaId, this.#disk.durableSeq, this.#disk.lastIssued)
  }

  #requireOpen (what: string): void {
    if (this.#closing != null) throw new StoreClosedError(`${what}() on a closed store (${this.location})`)
  }
}
