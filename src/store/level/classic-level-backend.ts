import { ClassicLevel } from 'classic-level'
import type { LevelBackend, LevelDatabase } from './level-backend.ts'

/** LevelDB on disk (Node.js): the location is a directory, made if missing. */
export const classicLevelBackend: LevelBackend = {
  name: 'classic-level',
  database: (location) => new ClassicLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as LevelDatabase
}
