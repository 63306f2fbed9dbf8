import type { BatchOp } from './write-queue.ts'

/** The part of an abstract-level database (classic-level, browser-level) that LevelStore uses, with byte keys and values. */
export interface LevelDatabase {
  open(): Promise<void>
  close(): Promise<void>
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  batch(ops: BatchOp[], options?: { sync?: boolean }): Promise<void>
  /** `highWaterMarkBytes`: classic-level's bound on the bytes one `nextv` reads (others read what they read). */
  iterator(options?: { gt?: Uint8Array, gte?: Uint8Array, lt?: Uint8Array, highWaterMarkBytes?: number }): { nextv(size: number): Promise<Array<[Uint8Array, Uint8Array]>>, close(): Promise<void> }
  /** Lets go of the memory that reading every table took, if the database keeps any (LevelDB maps them). */
  unmapTables?(): Promise<void>
}

/** What a directory holds before LevelDB sees it. */
export type DirectoryKind = 'new' | 'database'

/** Undoes, after a failed open, whatever LevelDB changed in the directory during it. */
export interface OpenGuard {
  /** The open succeeded and the store checked out: forget the saved state. */
  release(): Promise<void>
  /** The open failed: put every file back as it was before it. */
  restore(): Promise<void>
}

/** What a clean close leaves beside the database, so that the next open can tell whether the log lost commits. */
export interface Seal {
  readonly replica: string
  /** The number of the last batch written before the close. */
  readonly batch: number
}

/** What salvage did with a damaged database. */
export interface DamagedRecords {
  /** Where the damaged files now are. */
  readonly movedTo: string
  /** LevelDB errors met while repairing and reading a copy: records past them may be missing. */
  readonly errors: Error[]
}

/**
 * File-system work around the database, on Node.js only (browsers have no directory to look at):
 * checks before LevelDB opens anything, the guard that undoes a failed open, the seal, salvage.
 */
export interface StoreFiles {
  /** 'new' for a missing or empty directory; 'database' for a LevelDB; throws CorruptStoreError for anything else, touching nothing. */
  inspect(location: string): Promise<DirectoryKind>
  guard(location: string): Promise<OpenGuard>
  readSeal(location: string): Promise<Seal | undefined>
  writeSeal(location: string, seal: Seal): Promise<void>
  /**
   * Moves the directory aside (never deleting it), then hands `visit` every record that LevelDB
   * can still read from a repaired copy, in key order; the copy is removed afterwards.
   */
  takeDamaged(location: string, visit: (key: Uint8Array, value: Uint8Array) => void): Promise<DamagedRecords>
  /** Renames a store's directory (a migrated store's old one, kept beside the new). */
  move(from: string, to: string): Promise<void>
}

/** Makes the database for a location: a directory on Node.js, an IndexedDB database name in browsers. */
export interface LevelBackend {
  readonly name: string
  /** `create`: whether the database may be made if missing (only ever for a new, empty location). */
  database(location: string, options: { create: boolean }): LevelDatabase
  readonly files?: StoreFiles
}

let current: LevelBackend | undefined

/** Chooses the database backend; each entry point registers its own, as it does its bitmap backend. */
export function useLevelBackend (backend: LevelBackend): void {
  current = backend
}

export function levelBackend (): LevelBackend {
  if (current == null) throw new Error('no level backend registered: import roaring-mesh, not its internal modules')
  return current
}
