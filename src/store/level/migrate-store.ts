// Migration of a store written before writers were bound to keys (store format 1 or 2): its
// replica id is bound to no key, and no proof covers its entries, so no peer of a keyed mesh
// would take them as they are. What can be carried over is what the store holds live: each key's
// winning value, re-issued as the new store's own writes (signed by its writer key like any
// other). The old database is read, never written: left where it was, or renamed beside the new.

import { InvalidArgumentError, OutdatedStoreError } from '../errors.ts'
import { WriterKey } from '../writer-keys/writer-key.ts'
import { levelBackend } from './level-backend.ts'
import { LevelStore } from './level-store.ts'
import { bytesToKeyString } from '../key-string.ts'
import type { StoredEntry } from './chain-record.ts'
import { KEYED_FORMAT, checkFormat, decodeRecord, decodeReplicaId, unsealValue } from './record-codec.ts'
import { FORMAT_KEY, REPLICA_KEY } from './record-keys.ts'
import type { ReplicaId } from '../types.ts'

/** How {@link migrateStore} carries a store over. */
export interface MigrateStoreOptions {
  /**
   * Where the new store is made (a missing or empty directory; in browsers a new IndexedDB name).
   * @default the old store's location, the old store renamed beside it to
   * `<location>.pre-v3-<time>` (Node.js only: in browsers pass `to`)
   */
  to?: string
  /** The new store's writer key. @default a fresh one */
  writer?: WriterKey
}

/** What {@link migrateStore} did. */
export interface MigrationReport {
  /** The new store (of this version's format). */
  readonly location: string
  /** Where the old store is now, unchanged: its location, or the name it was renamed to. */
  readonly oldLocation: string
  /** The old store's format version. */
  readonly format: number
  /** The old store's replica id; the new store writes under {@link replicaId}. */
  readonly previousReplicaId: ReplicaId
  readonly replicaId: ReplicaId
  /** Keys carried over (each key's winning value: concurrent siblings become one value). */
  readonly entries: number
}

/** Records read per step. */
const STEP = 10_000

/** The greater of two live entries at a key, as a read chooses: by clock, then replica id. */
function wins (a: StoredEntry, b: StoredEntry): boolean {
  if (a.hlc.wall !== b.hlc.wall) return a.hlc.wall > b.hlc.wall
  if (a.hlc.counter !== b.hlc.counter) return a.hlc.counter > b.hlc.counter
  return a.replica > b.replica
}

/** Reads an outdated store's live winners, leaving its files as they were. */
async function readOutdated (location: string): Promise<{ format: number, replicaId: ReplicaId, winners: Map<string, [Uint8Array, Uint8Array]> }> {
  const files = levelBackend().files
  if (await files?.inspect(location) === 'new') throw new InvalidArgumentError(`${location}: there is no store to migrate`)
  const guard = await files?.guard(location)
  const db = levelBackend().database(location, { create: false })
  try {
    await db.open()
    const format = checkFormat(await db.get(FORMAT_KEY))
    if (format >= KEYED_FORMAT) throw new InvalidArgumentError(`${location} is a store of format ${format} already: open it with LevelStore.open`)
    const replicaId = decodeReplicaId(unsealValue(REPLICA_KEY, await db.get(REPLICA_KEY) ?? new Uint8Array(0), format))
    const winners = new Map<string, [Uint8Array, Uint8Array]>()
    const iterator = db.iterator()
    try {
      while (true) {
        const step = await iterator.nextv(STEP)
        if (step.length === 0) break
        for (const [key, value] of step) {
          if (key[0] === FORMAT_KEY[0]) continue
          const record = decodeRecord(key, value, format)
          if (record.kind === 'seen') record.seen.dispose()
          if (record.kind !== 'chain' || record.entries.length === 0) continue
          const winner = record.entries.reduce((best, entry) => wins(entry, best) ? entry : best)
          winners.set(bytesToKeyString(record.key), [record.key.slice(), winner.value.slice()])
        }
      }
    } finally {
      await iterator.close()
    }
    return { format, replicaId, winners }
  } finally {
    await db.close().catch(() => {})
    // Opening a LevelDB rewrites its log and manifest: put every byte back as it was.
    await guard?.restore()
  }
}

/**
 * Carries a store written before writers were bound to keys (one that `LevelStore.open` refuses
 * with {@link OutdatedStoreError}) into a new store of this version: each key's winning value is
 * re-issued as the new store's own write, under a new replica id and a fresh writer key. The old
 * store is never changed: by default it is renamed to `<location>.pre-v3-<time>` and the new one
 * made at `location`; with `to` it stays where it is. Deaths and the other writers' ids are not
 * carried: every peer of a mesh migrates its own store and the mesh converges on the new ids.
 * Throws {@link InvalidArgumentError} for a store that needs no migration (format 3 or later).
 *
 * @example
 * ```ts
 * try {
 *   store = await LevelStore.open('./data/notes')
 * } catch (err) {
 *   if (!(err instanceof OutdatedStoreError)) throw err
 *   const report = await migrateStore('./data/notes')  // the old store kept at report.oldLocation
 *   store = await LevelStore.open('./data/notes')
 * }
 * ```
 */
export async function migrateStore (location: string, options: MigrateStoreOptions = {}): Promise<MigrationReport> {
  const files = levelBackend().files
  if (options.to == null && files == null) throw new InvalidArgumentError('migrateStore: this platform cannot rename a database; pass { to } (a new database name)')
  const { format, replicaId: previousReplicaId, winners } = await readOutdated(location)
  const to = options.to ?? location
  let oldLocation = location
  if (options.to == null) {
    oldLocation = `${location}.pre-v3-${new Date().toISOString().replace(/[:.]/g, '-')}`
    await files!.move(location, oldLocation)
  } else if (await files?.inspect(to) === 'database') {
    throw new InvalidArgumentError(`migrateStore: ${to} holds a store already; pass a missing or empty location`)
  }
  const store = await LevelStore.open(to, { writer: options.writer })
  try {
    if (store.size > 0) throw new InvalidArgumentError(`migrateStore: ${to} holds a store already; pass a missing or empty location`)
    store.begin()
    for (const [key, value] of winners.values()) store.set(key, value)
    await store.commit()
    return { location: to, oldLocation, format, previousReplicaId, replicaId: store.replicaId, entries: winners.size }
  } finally {
    await store.close()
  }
}
