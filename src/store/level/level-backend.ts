import type { BatchOp } from './write-queue.ts'

/** The part of an abstract-level database (classic-level, browser-level) that LevelStore uses, with byte keys and values. */
export interface LevelDatabase {
  open(): Promise<void>
  close(): Promise<void>
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  batch(ops: BatchOp[], options?: { sync?: boolean }): Promise<void>
  iterator(): { nextv(size: number): Promise<Array<[Uint8Array, Uint8Array]>>, close(): Promise<void> }
}

/** Makes the database for a location: a directory on Node.js, an IndexedDB database name in browsers. */
export interface LevelBackend {
  readonly name: string
  database(location: string): LevelDatabase
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
