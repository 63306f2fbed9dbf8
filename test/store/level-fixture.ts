import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { LevelStore, type LevelStoreOptions, type ReplicaStore } from '../../src/index.ts'
import { hex } from './sync-fixture.ts'

/** Temporary directories for LevelStores, and the stores opened in them: `cleanup()` closes and removes them all. */
export class LevelFixture {
  readonly #dirs: string[] = []
  readonly #stores = new Set<LevelStore<any, any>>()

  async dir (): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'roaring-mesh-level-'))
    this.#dirs.push(dir)
    return dir
  }

  /** Opens (or reopens) the store at `dir`, a fresh directory if none. */
  async open<K = Uint8Array, V = Uint8Array> (dir?: string, options: LevelStoreOptions<K, V> = {}): Promise<LevelStore<K, V>> {
    const store = await LevelStore.open<K, V>(dir ?? await this.dir(), options)
    this.#stores.add(store)
    return store
  }

  async close (store: LevelStore<any, any>): Promise<void> {
    this.#stores.delete(store)
    await store.close()
  }

  async cleanup (): Promise<void> {
    await Promise.allSettled([...this.#stores].map(async (store) => { await store.close() }))
    this.#stores.clear()
    await Promise.all(this.#dirs.splice(0).map(async (dir) => { await rm(dir, { recursive: true, force: true }) }))
  }
}

/** Everything two stores must agree on: entries with every sibling, and the state hash. */
export function snapshot (store: ReplicaStore<string, string>): unknown {
  return {
    hash: hex(store.stateHash()),
    entries: store.entries(),
    siblings: store.entries().map(([key]) => store.conflicts(key))
  }
}

/** The LevelDB under a store's directory, opened raw (the store closed): to read or damage its records. */
export async function raw (dir: string): Promise<ClassicLevel<Uint8Array, Uint8Array>> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  return db
}
