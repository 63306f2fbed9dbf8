/**
 * Ed25519 verification off the thread that integrates, for big diffs: a platform that has threads
 * registers a {@link ParallelVerifier} (Node.js: worker_threads, `node-verify-pool.ts`); without
 * one, signatures are verified where they are checked. A verifier only ever makes a check
 * cheaper: what it could not answer (a worker died, the pool is shut down) is checked again on
 * the integrating thread, and what it says is bad stays refused there.
 */
import type { WriterCard } from '../types.ts'

/** The signatures of one diff (or frame), handed over as their digests are known. */
export interface VerifySession {
  /** Queues a check of `signature` over `digest` under `card`'s key; returns its index. */
  add (card: WriterCard, digest: Uint8Array, signature: Uint8Array): number
  /**
   * Per signature added, in order: 1 when it is the writer's, 0 when it is not, 2 when nobody
   * could say (checked again on integration). Rejects with the signal's reason on abort.
   */
  done (): Promise<Uint8Array>
}

export interface ParallelVerifier {
  /** A session; `signal` aborts it (the threads skip what it still has queued). */
  session (signal?: AbortSignal): VerifySession
}

/**
 * At least this many signatures in one diff (or frame) before they go to other threads: below,
 * a thread's round trip costs more than it saves. A 64 KiB frame of 144-byte entries holds ~7.
 */
export const PARALLEL_MIN_SIGNATURES = 4

let current: ParallelVerifier | undefined

/** Registers the platform's verifier (the Node.js entry points register a worker pool). */
export function useParallelVerifier (verifier: ParallelVerifier | undefined): void {
  current = verifier
}

export function parallelVerifier (): ParallelVerifier | undefined {
  return current
}
