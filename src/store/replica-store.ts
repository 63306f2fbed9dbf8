import type { Diff, DiffRequest } from './diff.ts'
import type { MemStore } from './mem-store.ts'
import type { Dot, Op, ReplicaId, Sibling } from './types.ts'
import type { WriterKey } from './writer-keys/writer-key.ts'

/** Options of {@link ReplicaStore.buildDiffFrames}. */
export interface DiffFrameOptions {
  /** The approximate largest frame, in bytes. @default 65536 */
  maxFrameBytes?: number
}

/**
 * A replica as a mesh peer, the CLI and an app use it: what `MemStore` (in memory) and
 * `LevelStore` (persistent) both are. The writing calls of a persistent store return a promise
 * that resolves once the change is durable; an in-memory store's return nothing.
 */
export interface ReplicaStore<K = Uint8Array, V = Uint8Array> extends ReplicaStoreEvents<K, V> {
  readonly name: string | undefined
  readonly replicaId: ReplicaId
  readonly size: number
  readonly inTransaction: boolean
  get(key: K): V | undefined
  has(key: K): boolean
  entries(): Array<[K, V]>
  conflicts(key: K): Array<Sibling<V>>
  set(key: K, value: V): this
  insert(key: K, value: V): this
  delete(key: K): boolean
  insertWithOp(key: K, value: V): Op
  deleteWithOp(key: K): Op
  begin(): void
  commit(): void | Promise<void>
  commitWithOps(): Op[]
  rollback(): void
  transact<T>(fn: (store: this) => T): T
  integrateOp(op: Op): void | Promise<void>
  integrateOps(ops: readonly Op[]): void | Promise<void>
  requestDiff(options?: { summary?: boolean, hash?: boolean, narrowDeaths?: boolean }): DiffRequest
  buildDiff(request: DiffRequest): Diff
  buildDiffFrames(request: DiffRequest, options?: DiffFrameOptions): Generator<Diff>
  integrateDiff(diff: Diff): void | Promise<void>
  /** Whether a diff called entries held live here dead without evidence since the last full request (the next one names them). */
  deathsInDoubt(): boolean
  hasSeen(dot: Dot): boolean
  stateHash(): Uint8Array
  /** The key this replica signs its writes with: its replica id is derived from it. */
  readonly writer: WriterKey
  /** Whether writers are bound to keys: false for a store made with `writerKeys: false`. */
  readonly writerKeys: boolean
  /** Resolves once every local commit so far is signed and its 'ops' event fired. */
  signed(): Promise<void>
  /** Verifies the signatures of ops ahead of integrating them (needed where verifying is asynchronous: browsers). */
  verifyOps(ops: readonly Op[]): Promise<boolean>
  /** Verifies the signatures of a diff ahead of integrating it. */
  verifyDiff(diff: Diff, options?: { signal?: AbortSignal }): Promise<void>
}

/** A store's events, typed as MemStore's: `change` (every commit and integration that changed anything), `ops` (local commits), `foreign-dot`. */
export type ReplicaStoreEvents<K, V> = Pick<MemStore<K, V>, 'addEventListener' | 'removeEventListener'>
