// What an open checks beyond each record.

import { CorruptStoreError } from '../errors.ts'
import type { Seal } from './level-backend.ts'
import type { StoreState } from './record-codec.ts'

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
