import { IdbLogDatabase } from './idb-log-database.ts'
import type { LevelBackend } from './level-backend.ts'

/**
 * IndexedDB (browsers): the location is the database name (browser-level's, so a store written
 * before keeps opening). Records are packed into few IndexedDB records (idb-log-database.ts).
 * There are no files to check, seal or salvage.
 */
export const browserLevelBackend: LevelBackend = {
  name: 'browser-level',
  database: (location) => new IdbLogDatabase(location)
}
