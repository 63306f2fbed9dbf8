import { logger } from '@libp2p/logger'
import { ClockSet } from '../clock-set.ts'
import { CorruptStoreError, OutdatedStoreError } from '../errors.ts'
import type { ReplicaState } from '../replica-state.ts'
import type { ReplicaId } from '../types.ts'
import { WriterKeysMismatchError } from '../writer-keys/errors.ts'
import { WriterKey } from '../writer-keys/writer-key.ts'
import type { LevelDatabase, StoreFiles } from './level-backend.ts'
import type { LevelPersistence } from './level-persistence.ts'
import { checkComplete, repackOps } from './load-checks.ts'
import { PACK_RANGE } from './pack-codec.ts'
import type { StoredEntry } from './chain-record.ts'
import { FORMAT_VERSION, KEYED_FORMAT, PACKED_FORMAT, checkFormat, decodeRecord, decodeReplicaId, unsealValue } from './record-codec.ts'
import { REPLICA_KEY, STATE_KEY, UNSIGNED_KEY, WRITER_KEY, describeKey, isChainKey } from './record-keys.ts'
import { decodeState, type StoreState } from './state-record.ts'
import { SeqReservation } from './seq-reservation.ts'
import type { BatchOp } from './write-queue.ts'

const log = logger('roaring-mesh:level-store')

/**
 * Records read per step while loading, and the bytes classic-level reads for one step at most:
 * its default, 16 KiB, cut steps of small records (seen sets, format 3 entries) at ~80, each a
 * round trip to LevelDB's thread. Entry packs (up to 64 KiB) come one per step under the default,
 * which measured the same CPU time as 1 and 4 MiB steps and the least memory left after the open.
 */
const LOAD_STEP = 10_000
const LOAD_STEP_BYTES = 4 << 20
const PACK_STEP = 16

/** What loading a store reads from and writes into: its database, and the persistence its core writes through. */
export interface RestoreTarget {
  db: LevelDatabase
  disk: LevelPersistence
  location: string
  replicaId: ReplicaId
  files: StoreFiles | undefined
}

/**
 * Reads what an existing store is before its records: its format (an outdated one refused with
 * {@link OutdatedStoreError}), whether its writers are bound to keys (the other kind refused
 * before anything is read, so the files stay as they were), its writer key and saved state.
 */
export async function readStoreHeader (db: LevelDatabase, location: string, format: Uint8Array | undefined, writerKeys: boolean): Promise<{ version: number, writer: WriterKey, state: StoreState }> {
  const version = checkFormat(format)
  if (version < KEYED_FORMAT) throw new OutdatedStoreError(location, version)
  const unsigned = await db.get(UNSIGNED_KEY) != null
  if (unsigned === writerKeys) {
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
  return { version, writer, state: decodeState(stored == null ? undefined : unsealValue(STATE_KEY, stored, version), version) }
}

/**
 * Reads every record of an opened store into its core, checking each, and checks that none is
 * missing; then resumes the seqs and saves the new reservation (and a store of an older format
 * in this one). Resolves once that is durable.
 */
export async function restoreFromDisk (target: RestoreTarget, state: StoreState, version: number): Promise<void> {
  const { db, disk, location, replicaId, files } = target
  const counts = { keys: 0, writers: 0 }
  const restoreChain = (key: Uint8Array, entries: readonly StoredEntry[]): void => {
    for (const entry of entries) {
      // Seen sets load first: a live dot must already be seen.
      if (!disk.restorer.restoreEntry(key, entry.value, entry.replica, entry.seq, entry.hlc)) throw new CorruptStoreError('corrupt store: a live entry whose dot is not seen, or live twice')
    }
  }
  const restoreRecord = (key: Uint8Array, value: Uint8Array): void => {
    if (version >= PACKED_FORMAT && isChainKey(key)) throw new CorruptStoreError(`corrupt store: ${describeKey(key)}, of format 3, in a format ${version} store`)
    const record = decodeRecord(key, value, version)
    if (record.kind === 'proof') {
      disk.restorer.restoreProof(record.replica, record.card, record.proof)
    } else if (record.kind === 'seen') {
      disk.restorer.restoreSeen(record.replica, record.seen)
      disk.loaded(record.replica)
      counts.writers++
      record.seen.dispose()
    } else if (record.kind === 'chain') {
      counts.keys++
      restoreChain(record.key, record.entries)
    }
  }
  // Seen sets before entries (a live dot must already be seen); packs a few at a time.
  const none = new Set<string>()
  await readRange(db, { lt: PACK_RANGE.gte, highWaterMarkBytes: LOAD_STEP_BYTES }, LOAD_STEP, restoreRecord)
  await readRange(db, PACK_RANGE, PACK_STEP, (key, value) => {
    if (version < PACKED_FORMAT) throw new CorruptStoreError(`corrupt store: an entry pack in a format ${version} store`)
    disk.packs.load(key, value, none, restoreChain)
    counts.keys++
  })
  await readRange(db, { gte: PACK_RANGE.lt, highWaterMarkBytes: LOAD_STEP_BYTES }, LOAD_STEP, restoreRecord)
  checkComplete(state, counts, await files?.readSeal(location), replicaId)
  const { nextSeq, skipFrom } = SeqReservation.resume(state)
  const changed = new Set<ReplicaState>()
  if (skipFrom < nextSeq) {
    const skipped = new ClockSet()
    skipped.addRange(skipFrom, nextSeq)
    changed.add(disk.restorer.restoreSeen(replicaId, skipped))
    skipped.dispose()
  }
  disk.restorer.restoreNextSeq(nextSeq)
  disk.restorer.restoreClock(state.clock)
  const ops = version < PACKED_FORMAT ? await repackOlder(db, disk, location, version) : []
  disk.persist(ops, changed)
  await disk.flush()
}

async function repackOlder (db: LevelDatabase, disk: LevelPersistence, location: string, version: number): Promise<BatchOp[]> {
  log('%s: repacking format %d as %d', location, version, FORMAT_VERSION)
  const repacker = disk.repacker()
  const ops = await repackOps(db, repacker.add)
  repacker.finish(ops)
  return ops
}

/** Hands `visit` every record in `range`, `step` at a time; the next step is read while this one is loaded (LevelDB reads in its own thread). */
async function readRange (db: LevelDatabase, range: { gte?: Uint8Array, lt?: Uint8Array, highWaterMarkBytes?: number }, step: number, visit: (key: Uint8Array, value: Uint8Array) => void): Promise<void> {
  const iterator = db.iterator(range)
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
