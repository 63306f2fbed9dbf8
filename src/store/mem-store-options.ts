import type { Codec } from './codecs.ts'
import type { HybridClockOptions } from './hlc.ts'
import type { PersistenceFactory } from './store-persistence.ts'
import type { WriterKey } from './writer-keys/writer-key.ts'

/** How a {@link MemStore} is made. */
export interface MemStoreOptions<K, V> {
  /** How keys become bytes. @default bytes as they are */
  keys?: Codec<K>
  /** How values become bytes. @default bytes as they are */
  values?: Codec<V>
  /** The hybrid logical clock's wall clock and drift bound. */
  clock?: HybridClockOptions
  /**
   * The key this replica signs its writes with; its replica id is derived from it. Only a
   * persistent store that reopens itself, or an app that keeps its own keys, should pass one.
   * @default a fresh key (in browsers, one of 16 made ahead as the package loads and refilled in
   * the background: a page making many stores at once passes `await generateWriterKey()`)
   */
  writer?: WriterKey
  /** Removals whose entry has not arrived yet, kept until it does. @default 4096 */
  maxPendingRemovals?: number
  /**
   * How many writers this store keeps that it knows only from removals (it never held one of
   * their entries). Beyond it, removals of further unknown writers are dropped: anti-entropy
   * repairs what that leaves out, once one of their entries arrives. Each costs about 3 KB
   * (measured: 1.3 KB of heap, the rest in bitmaps).
   * @default 4096
   */
  maxRemovalOnlyWriters?: number
  /**
   * What keeps this store (how `LevelStore` persists its core): called once with the store's view
   * and restorer, it returns what the store tells of every commit. @default nothing: in memory only
   */
  persistence?: PersistenceFactory
}
