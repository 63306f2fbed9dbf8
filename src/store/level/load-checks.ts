// What an open checks beyond each record, and the rewrite of a format 1 store.

import { equals } from 'uint8arrays/equals'
import { CorruptStoreError } from '../errors.ts'
import type { LevelDatabase, Seal } from './level-backend.ts'
import { FORMAT_KEY, REPLICA_KEY, encodeFormat, sealValue, type StoreState } from './record-codec.ts'
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
 * Every record of a format 1 store again, with its checksum, and the format 2 marker: the store
 * writes them in one atomic batch with its first state record, so it is format 1 or 2, never half.
 */
export async function migrationOps (db: LevelDatabase): Promise<BatchOp[]> {
  const ops: BatchOp[] = [{ type: 'put', key: FORMAT_KEY, value: encodeFormat() }]
  const iterator = db.iterator()
  try {
    while (true) {
      const step = await iterator.nextv(STEP)
      if (step.length === 0) break
      // The state record is written new, in the new layout; the format record above.
      for (const [key, value] of step) if (key[0] !== FORMAT_KEY[0] || equals(key, REPLICA_KEY)) ops.push({ type: 'put', key, value: sealValue(key, value) })
    }
  } finally {
    await iterator.close()
  }
  return ops
}
