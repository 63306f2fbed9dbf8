import { ClassicLevel } from 'classic-level'
import type { LevelBackend, LevelDatabase } from './level-backend.ts'
import { nodeStoreFiles } from './node-store-files.ts'

/** LevelDB on disk (Node.js): the location is a directory, made only when it is missing or empty. */
export const classicLevelBackend: LevelBackend = {
  name: 'classic-level',
  database: (location, { create }) => new ClassicLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: create }) as unknown as LevelDatabase,
  files: nodeStoreFiles
}
