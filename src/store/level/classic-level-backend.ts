import { ClassicLevel } from 'classic-level'
import type { LevelBackend, LevelDatabase } from './level-backend.ts'
import { nodeStoreFiles } from './node-store-files.ts'

/**
 * LevelDB maps each table file it reads into memory, and keeps the map while the table is in its
 * cache (up to 1,000 files): after a store's load has read every table once, that is about the
 * size of the store on disk in the process's RSS, for tables it will not read again. Closing
 * unmaps them all; LevelDB's reopen reads only its MANIFEST and log.
 */
class NodeLevel extends ClassicLevel<Uint8Array, Uint8Array> {
  async unmapTables (): Promise<void> {
    await this.close()
    await this.open()
  }
}

/** LevelDB on disk (Node.js): the location is a directory, made only when it is missing or empty. */
export const classicLevelBackend: LevelBackend = {
  name: 'classic-level',
  database: (location, { create }) => new NodeLevel(location, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: create }) as unknown as LevelDatabase,
  files: nodeStoreFiles
}
