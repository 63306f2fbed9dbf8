import { BrowserLevel } from 'browser-level'
import type { LevelBackend, LevelDatabase } from './level-backend.ts'

/** IndexedDB (browsers): the location is the database name. There are no files to check, seal or salvage. */
export const browserLevelBackend: LevelBackend = {
  name: 'browser-level',
  database: (location) => new BrowserLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as LevelDatabase
}
