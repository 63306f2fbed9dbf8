import { MemStore } from '../mem-store.ts'
import { LevelStore, type LevelStoreOptions } from './level-store.ts'

/**
 * The store a peer keeps its data in: a {@link LevelStore} at `location` (a directory on Node.js,
 * an IndexedDB database name in browsers) when one is given, else a {@link MemStore}.
 *
 * @example
 * ```ts
 * const store = await openStore(options.dataDir)   // persistent if the user gave a data directory
 * const peer = await createMeshPeer({ store, mesh: 'notes', libp2p: nodePreset() })
 * ```
 */
export async function openStore<K = Uint8Array, V = Uint8Array> (location: string | undefined, options: LevelStoreOptions<K, V> = {}): Promise<MemStore<K, V> | LevelStore<K, V>> {
  return location == null ? new MemStore<K, V>(options.name, options) : await LevelStore.open<K, V>(location, options)
}
