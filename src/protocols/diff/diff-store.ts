import type { Diff, DiffRequest } from '../../store/diff.ts'
import type { DiffFrameOptions } from '../../store/replica-store.ts'

/** What the diff protocol needs of a store: `MemStore` and the persistent store both fit. */
export interface DiffStore {
  readonly inTransaction: boolean
  requestDiff(options?: { summary?: boolean, hash?: boolean, narrowDeaths?: boolean }): DiffRequest
  buildDiffFrames(request: DiffRequest, options?: DiffFrameOptions): Iterable<Diff>
  integrateDiff(diff: Diff): void | Promise<void>
  /** Whether a diff called entries held live here dead without evidence since the last full request: one more names them. */
  deathsInDoubt?(): boolean
  /** Verifies a diff's signatures ahead of integrating it, where the platform verifies only asynchronously. */
  verifyDiff?(diff: Diff, options?: { signal?: AbortSignal }): Promise<void>
}

/**
 * Resolves once no local transaction is open: remote state cannot be integrated into the middle
 * of one. Transactions are almost always synchronous, so this rarely waits at all.
 */
export async function whenIdle (store: DiffStore, signal?: AbortSignal): Promise<void> {
  while (store.inTransaction) {
    signal?.throwIfAborted()
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * Resolves in a later task, not a microtask: frames that arrived together would otherwise all be
 * integrated in one task, and a browser tab would freeze (no input, no rendering) for a whole
 * large sync. `scheduler.yield()` where there is one (Chromium), else a timer.
 */
export async function nextTask (): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler
  if (typeof scheduler?.yield === 'function') {
    await scheduler.yield()
    return
  }
  await new Promise((resolve) => { (typeof setImmediate === 'function' ? setImmediate : setTimeout)(resolve) })
}
