import type { Codec } from './codecs.ts'
import type { HybridClockOptions } from './hlc.ts'
import type { PersistenceFactory } from './store-persistence.ts'
import { InvalidArgumentError } from './errors.ts'
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
   * @default a fresh key, made at once (node:crypto on Node.js, @noble/curves in browsers)
   */
  writer?: WriterKey
  /**
   * `false` turns writers bound to keys off, for a mesh whose members all trust each other (one
   * user's devices, a closed team): nothing is signed or verified, ops and diffs are as compact as
   * before writer keys, and removals apply to the dots they name. What is given up: any member
   * can write as another and suppress (pre-kill) others' writes, and nothing detects it. Signed
   * and unsigned stores do not mix: each refuses the other's ops and diffs (a signed store with
   * `InvalidSignatureError`, an unsigned one with `WriterKeysMismatchError`), a persistent store
   * remembers which it is, and a mesh peer of an unsigned store uses its own topic and diff mesh
   * name. @default true
   */
  writerKeys?: boolean
  /**
   * Removed with writers bound to keys: a replica id is derived from its writer key and a nonce,
   * never chosen. Passing it throws an {@link InvalidArgumentError} that says so; to keep or
   * choose a replica's identity, pass {@link writer} (a saved `WriterKey`).
   * @deprecated pass `writer` instead
   */
  replicaId?: never
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

/** Refuses the removed `replicaId` option, in one line that says what to pass instead. */
export function refuseReplicaId (options: object): void {
  if ('replicaId' in options && (options as { replicaId?: unknown }).replicaId !== undefined) {
    throw new InvalidArgumentError('the replicaId option was removed: a replica id is derived from its writer key; pass { writer } (a WriterKey, e.g. await generateWriterKey() or WriterKey.fromBytes(saved)) instead')
  }
}
