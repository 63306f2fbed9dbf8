/**
 * Ed25519 verification in worker threads (node:worker_threads, node:crypto in each): while the
 * integrating thread hashes a big diff's leaves, the workers verify the batches already hashed.
 * Sized for the machine (one thread fewer than its cores, at most {@link MAX_THREADS}); started
 * on the first big diff, never holding a process open (a worker is referenced only while it has
 * work) and shut down after {@link IDLE_MS} without any.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { logger } from '@libp2p/logger'
import type { ParallelVerifier, VerifySession } from './parallel-verifier.ts'
import type { WriterCard } from '../types.ts'

const log = logger('roaring-mesh:verify-pool')

const MAX_THREADS = 4
const IDLE_MS = 10_000
/**
 * Signatures per message to a worker: the first messages of a session carry 2, then twice as
 * many each time up to 16 (~1 ms of work), so that a thread starts early even on a small frame
 * and the threads share a big diff evenly.
 */
const FIRST_CHUNK = 2
const CHUNK = 16
/** A job as a worker reads it: public key, digest, signature. */
const JOB_BYTES = 32 + 32 + 64

// The worker, as source: a file of its own would have to be found both beside the TypeScript and
// in a build. It verifies each job of a chunk unless its session was cancelled meanwhile.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createPublicKey, verify } = require('node:crypto')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const keys = new Map()
function keyOf (raw) {
  const id = raw.toString('latin1')
  let key = keys.get(id)
  if (key === undefined) {
    if (keys.size >= 4096) keys.clear()
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
    keys.set(id, key)
  }
  return key
}
parentPort.on('message', ({ id, jobs, count, cancel }) => {
  const bytes = Buffer.from(jobs)
  const ok = new Uint8Array(count).fill(2)
  for (let i = 0; i < count; i++) {
    if (Atomics.load(cancel, 0) !== 0) break
    const at = i * ${JOB_BYTES}
    try {
      ok[i] = verify(null, bytes.subarray(at + 32, at + 64), keyOf(bytes.subarray(at, at + 32)), bytes.subarray(at + 64, at + 128)) ? 1 : 0
    } catch {
      ok[i] = 0
    }
  }
  parentPort.postMessage({ id, ok }, [ok.buffer])
})
`

interface Pending {
  resolve: (ok: Uint8Array) => void
  reject: (err: Error) => void
}

class PoolThread {
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  readonly #gone: (thread: PoolThread, err: Error) => void
  readonly #idle: () => void
  #next = 0

  constructor (gone: (thread: PoolThread, err: Error) => void, idle: () => void) {
    this.#gone = gone
    this.#idle = idle
    this.#worker = new Worker(WORKER_SOURCE, { eval: true })
    this.#worker.unref()
    this.#worker.on('message', ({ id, ok }: { id: number, ok: Uint8Array }) => {
      const pending = this.#pending.get(id)
      this.#pending.delete(id)
      if (this.#pending.size === 0) {
        this.#worker.unref()
        this.#idle()
      }
      pending?.resolve(ok)
    })
    this.#worker.on('error', (err) => { this.#fail(err) })
    this.#worker.on('exit', (code) => { this.#fail(new Error(`a verifier thread exited (code ${code})`)) })
  }

  get load (): number {
    return this.#pending.size
  }

  verify (jobs: ArrayBuffer, count: number, cancel: Int32Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const id = this.#next++
      if (this.#pending.size === 0) this.#worker.ref()
      this.#pending.set(id, { resolve, reject })
      this.#worker.postMessage({ id, jobs, count, cancel }, [jobs])
    })
  }

  #fail (err: Error): void {
    this.#gone(this, err)
    for (const pending of this.#pending.values()) pending.reject(err)
    this.#pending.clear()
  }

  async terminate (): Promise<void> {
    await this.#worker.terminate()
  }
}

/** A pool of verifier threads; see the module comment. */
export class NodeVerifyPool implements ParallelVerifier {
  readonly threads: number
  #running: PoolThread[] = []
  #idleTimer: ReturnType<typeof setTimeout> | undefined
  #failures = 0

  constructor (threads = Math.min(MAX_THREADS, availableParallelism() - 1)) {
    this.threads = Math.max(1, threads)
  }

  session (signal?: AbortSignal): VerifySession {
    return new PoolSession(this, signal)
  }

  /** The answers for a chunk of jobs, from the least busy thread. */
  verify (jobs: ArrayBuffer, count: number, cancel: Int32Array): Promise<Uint8Array> {
    // A pool whose threads keep dying (no worker_threads here, say) stops trying: checks then run where they are needed.
    if (this.#failures >= 3) return Promise.reject(new Error('the verifier threads failed'))
    if (this.#idleTimer != null) clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
    let thread = this.#running.reduce<PoolThread | undefined>((best, t) => best == null || t.load < best.load ? t : best, undefined)
    if (thread == null || (thread.load > 0 && this.#running.length < this.threads)) {
      thread = new PoolThread((gone, err) => { this.#gone(gone, err) }, () => { this.#idle() })
      this.#running.push(thread)
    }
    return thread.verify(jobs, count, cancel)
  }

  /** Stops every thread now; the next big diff starts them again. */
  async close (): Promise<void> {
    if (this.#idleTimer != null) clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
    const running = this.#running
    this.#running = []
    await Promise.all(running.map(async (thread) => { await thread.terminate() }))
  }

  #gone (thread: PoolThread, err: Error): void {
    const at = this.#running.indexOf(thread)
    if (at < 0) return
    this.#running.splice(at, 1)
    this.#failures++
    log.error('a verifier thread stopped - %e', err)
  }

  #idle (): void {
    if (this.#running.some((thread) => thread.load > 0)) return
    if (this.#idleTimer != null) clearTimeout(this.#idleTimer)
    this.#idleTimer = setTimeout(() => { void this.close() }, IDLE_MS)
    this.#idleTimer.unref()
  }
}

/** One diff's signatures, sent to the pool a chunk at a time as they are added. */
class PoolSession implements VerifySession {
  readonly #pool: NodeVerifyPool
  readonly #signal: AbortSignal | undefined
  /** Set on abort: the threads skip the rest of this session's jobs. */
  readonly #cancel = new Int32Array(new SharedArrayBuffer(4))
  readonly #answers: Array<Promise<void>> = []
  #results = new Uint8Array(64)
  #count = 0
  #chunk = new Uint8Array(CHUNK * JOB_BYTES)
  #chunkStart = 0
  #chunkSize = FIRST_CHUNK

  constructor (pool: NodeVerifyPool, signal: AbortSignal | undefined) {
    this.#pool = pool
    this.#signal = signal
    signal?.addEventListener('abort', () => { Atomics.store(this.#cancel, 0, 1) }, { once: true })
  }

  add (card: WriterCard, digest: Uint8Array, signature: Uint8Array): number {
    const index = this.#count++
    const at = (index - this.#chunkStart) * JOB_BYTES
    this.#chunk.set(card.publicKey, at)
    this.#chunk.set(digest, at + 32)
    this.#chunk.set(signature, at + 64)
    if (this.#count - this.#chunkStart === this.#chunkSize) {
      this.#flush()
      this.#chunkSize = Math.min(CHUNK, this.#chunkSize * 2)
    }
    return index
  }

  #flush (): void {
    const start = this.#chunkStart
    const count = this.#count - start
    if (count === 0) return
    const jobs = this.#chunk.buffer
    this.#chunk = new Uint8Array(CHUNK * JOB_BYTES)
    this.#chunkStart = this.#count
    if (this.#results.byteLength < this.#count) {
      const grown = new Uint8Array(Math.max(this.#count, this.#results.byteLength * 2))
      grown.set(this.#results)
      this.#results = grown
    }
    this.#results.fill(2, start, this.#count)
    // A chunk the threads could not answer stays 2: checked again on integration.
    this.#answers.push(this.#pool.verify(jobs, count, this.#cancel).then((ok) => { this.#results.set(ok, start) }, () => {}))
  }

  async done (): Promise<Uint8Array> {
    this.#signal?.throwIfAborted()
    this.#flush()
    const all = Promise.all(this.#answers)
    if (this.#signal == null) await all
    else {
      const signal = this.#signal
      await new Promise<void>((resolve, reject) => {
        const abort = (): void => { reject(signal.reason) }
        signal.addEventListener('abort', abort, { once: true })
        void all.then(() => {
          signal.removeEventListener('abort', abort)
          resolve()
        })
      })
    }
    return this.#results.subarray(0, this.#count)
  }
}
