// How a LevelStore is opened: the database made or found at its location, the store loaded from
// it and checked, and on any failure the files put back as they were (or, asked to, the damaged
// store salvaged). The class builds itself (its constructor and disk are its own) through the
// `make` it hands in.

import { logger } from '@libp2p/logger'
import { CorruptStoreError } from '../errors.ts'
import { replicaIdToBytes } from '../replica-id.ts'
import { generateWriterKey, type WriterKey } from '../writer-keys/writer-key.ts'
import { signUnprovenDeaths } from '../writer-keys/unproven-deaths.ts'
import type { MemStoreOptions } from '../mem-store.ts'
import type { ReplicaStore } from '../replica-store.ts'
import { levelBackend, type LevelDatabase, type OpenGuard } from './level-backend.ts'
import type { LevelPersistence } from './level-persistence.ts'
import type { LevelStore } from './level-store.ts'
import { readStoreHeader, restoreFromDisk } from './level-restore.ts'
import { asCorrupt, isLocked, openError } from './open-errors.ts'
import { encodeFormat, sealValue } from './record-codec.ts'
import { FORMAT_KEY, REPLICA_KEY, UNSIGNED_KEY, WRITER_KEY } from './record-keys.ts'
import { salvageInto, type SalvageReport } from './salvage.ts'
import type { StoreState } from './state-record.ts'

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

/** What a store opened here offers: a place for the salvage report, and durable flushing and signing. */
export interface OpenedStore extends ReplicaStore<any, any> {
  salvaged: SalvageReport | undefined
  flush: () => Promise<void>
  signed: () => Promise<void>
}

/** Builds the store on an open database, with the writer and state read from it (or new ones). */
export type MakeStore<S, O> = (db: LevelDatabase, writer: WriterKey, state: Pick<StoreState, 'reserved' | 'batch'>, options: O) => { store: S, disk: LevelPersistence }

/** Opens the store at `location` (see `LevelStore.open`), salvaging a damaged one when `options.salvage` says so. */
export async function openLevelStore<S extends OpenedStore, O extends LevelStoreOptions<any, any>> (location: string, options: O, make: MakeStore<S, O>): Promise<S> {
  try {
    return await openAt(location, options, make)
  } catch (err) {
    const files = levelBackend().files
    if (options.salvage !== true || !(err instanceof CorruptStoreError) || files == null) throw err
    log.error('%s cannot be opened, salvaging it - %e', location, err)
    const { store, report } = await salvageInto(location, files, err, async () => await openAt(location, { ...options, salvage: false }, make))
    store.salvaged = report
    log('salvaged %s: kept %d entries, left %d records; damaged files in %s', location, report.kept, report.dropped, report.movedTo)
    return store
  }
}

async function openAt<S extends OpenedStore, O extends LevelStoreOptions<any, any>> (location: string, options: O, make: MakeStore<S, O>): Promise<S> {
  const files = levelBackend().files
  const kind = await files?.inspect(location) ?? 'database'
  const guard = kind === 'database' ? await files?.guard(location) : undefined
  const db = levelBackend().database(location, { create: kind === 'new' })
  try {
    await db.open()
  } catch (err) {
    await undo(guard, err)
    throw openError(location, err)
  }
  try {
    const store = await load(location, db, options, make)
    await guard?.release()
    return store
  } catch (err) {
    await db.close().catch(() => {})
    await undo(guard, err)
    throw asCorrupt(location, err)
  }
}

/** After a failed open: put the files back, unless another process holds the database (then LevelDB touched nothing, and the files are its). */
async function undo (guard: OpenGuard | undefined, err: unknown): Promise<void> {
  if (guard == null) return
  if (isLocked(err)) await guard.release()
  else await guard.restore()
}

async function load<S extends OpenedStore, O extends LevelStoreOptions<any, any>> (location: string, db: LevelDatabase, options: O, make: MakeStore<S, O>): Promise<S> {
  const format = await db.get(FORMAT_KEY)
  if (format == null && await isEmpty(db)) return await create(db, options, make)
  const { version, writer, state } = await readStoreHeader(db, location, format, options.writerKeys !== false)
  const { store, disk } = make(db, writer, state, options)
  await restoreFromDisk({ db, disk, location, replicaId: writer.replicaId, files: levelBackend().files }, state, version)
  // LevelDB keeps every table it has read mapped into memory while the table is in its cache,
  // and the load read them all (~180 B per entry at 144-byte entries): reopening unmaps them.
  await db.unmapTables?.()
  // Removals of commits nobody listened to wait in memory until signed: a crash lost those. The
  // deaths they caused are signed again now, with any taken before deaths had evidence.
  const restorer = disk.restorer
  const resigned = await signUnprovenDeaths(restorer.unprovenDeaths(), restorer.resign, async () => { await store.signed() })
  if (resigned > 0) log('%s: signed %d removals whose evidence was lost', location, resigned)
  // Merges read and write the database: only once it is open for good.
  disk.packs.maybeMerge()
  return store
}

async function create<S extends OpenedStore, O extends LevelStoreOptions<any, any>> (db: LevelDatabase, options: O, make: MakeStore<S, O>): Promise<S> {
  const writer = options.writer ?? await generateWriterKey()
  const { store, disk } = make(db, writer, { reserved: 0, batch: 0 }, options)
  disk.persist([
    { type: 'put', key: FORMAT_KEY, value: encodeFormat() },
    { type: 'put', key: REPLICA_KEY, value: sealValue(REPLICA_KEY, replicaIdToBytes(writer.replicaId)) },
    { type: 'put', key: WRITER_KEY, value: sealValue(WRITER_KEY, writer.toBytes()) },
    ...(options.writerKeys === false ? [{ type: 'put' as const, key: UNSIGNED_KEY, value: sealValue(UNSIGNED_KEY, Uint8Array.of(1)) }] : [])
  ], [])
  await store.flush()
  return store
}

async function isEmpty (db: LevelDatabase): Promise<boolean> {
  const iterator = db.iterator()
  try {
    return (await iterator.nextv(1)).length === 0
  } finally {
    await iterator.close()
  }
}
