// What an open checks beyond each record, and the repacking of a format 3 store.

import { CorruptStoreError } from '../errors.ts'
import type { LevelDatabase, Seal } from './level-backend.ts'
import { encodeFormat } from './record-codec.ts'
import { CHAIN_RANGE, FORMAT_KEY } from './record-keys.ts'
import type { StoreState } from './state-record.ts'
import type { BatchOp } from './write-queue.ts'

/** Records read per step. */
const STEP = 10_000

/**
 * Records that vanished whole (a lost table, a log cut short) leave every record that is left
 * intact, so each record's checksum cannot show them: the counts the last state record holds,
 * and the seal of the last clean close, can.
 */
export function checkComplete (state: StoreState, counts: { keys: number, writers: number }, seal: Seal | undefined, replicaId: string): void {
  if (state.keys != null && (state.keys !== counts.keys || state.writers !== counts.writers)) {
    throw new CorruptStoreError(`corrupt store: records are missing (the state records ${state.keys} keys and ${state.writers ?? 0} writers; the database holds ${counts.keys} and ${counts.writers})`)
  }
  if (seal == null) return
  if (seal.replica !== replicaId) throw new CorruptStoreError(`corrupt store: the seal of the last clean close names replica ${seal.replica}, the database ${replicaId}`)
  if (state.batch < seal.batch) {
    throw new CorruptStoreError(`corrupt store: the last commits are lost (the store closed cleanly after batch ${seal.batch}, its records end at batch ${state.batch}): the .log file is damaged or missing`)
  }
}

/**
 * What turns a format 3 store (a record per key) into a format 4 one, in one atomic batch with its
 * first state record, so that it is one format or the other, never half: every entry record ('V')
 * deleted and its key handed to `repack`, which adds the key's state to packs; the new format marker.
 */
export async function repackOps (db: LevelDatabase, repack: (key: Uint8Array) => void): Promise<BatchOp[]> {
  const ops: BatchOp[] = [{ type: 'put', key: FORMAT_KEY, value: encodeFormat() }]
  const iterator = db.iterator({ gte: CHAIN_RANGE.gte, lt: CHAIN_RANGE.lt, highWaterMarkBytes: 4 << 20 })
  try {
    while (true) {
      const step = await iterator.nextv(STEP)
      if (step.length === 0) break
      for (const [key] of step) {
        ops.push({ type: 'del', key })
        repack(key.subarray(1))
      }
    }
  } finally {
    await iterator.close()
  }
  return ops
}
