import { Worker } from 'node:worker_threads'

// Ed25519 verification of 32-byte digests in a worker thread, for what a Node.js store verifies
// ahead of integrating (`verifyOps`, `verifyDiff`: the mesh topic's validator, a pull): a verify
// costs ~130 µs, one per batch of up to 64 ops, the largest cost a signed op adds on its
// receiver; in a worker it runs beside the thread that decodes, hashes leaves and integrates.
// The results are the same as node:crypto's on this thread, and the first failure of the worker
// sends every check, waiting or later, back to this thread.

const PUBLIC_KEY_BYTES = 32
const DIGEST_BYTES = 32
const SIGNATURE_BYTES = 64
const REQUEST_BYTES = PUBLIC_KEY_BYTES + DIGEST_BYTES + SIGNATURE_BYTES

// The worker's code, as a script: a file would need one path from src/ and another from dist/.
// Each request is public key ‖ digest ‖ signature; each answer a byte, 1 for a valid signature.
const SCRIPT = `
const { parentPort } = require('node:worker_threads')
const { createPublicKey, verify } = require('node:crypto')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const keys = new Map()
parentPort.on('message', ({ id, requests }) => {
  const count = requests.byteLength / ${REQUEST_BYTES}
  const answers = new Uint8Array(count)
  for (let i = 0; i < count; i++) {
    const at = i * ${REQUEST_BYTES}
    const raw = requests.subarray(at, at + ${PUBLIC_KEY_BYTES})
    const name = Buffer.from(raw).toString('latin1')
    let key = keys.get(name)
    try {
      if (key === undefined) {
        if (keys.size >= 4096) keys.clear()
        key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
        keys.set(name, key)
      }
      const digest = requests.subarray(at + ${PUBLIC_KEY_BYTES}, at + ${PUBLIC_KEY_BYTES + DIGEST_BYTES})
      answers[i] = verify(null, digest, key, requests.subarray(at + ${PUBLIC_KEY_BYTES + DIGEST_BYTES}, at + ${REQUEST_BYTES})) ? 1 : 0
    } catch {
      answers[i] = 0
    }
  }
  parentPort.postMessage({ id, answers }, [answers.buffer])
})
`

interface Request {
  readonly publicKey: Uint8Array
  readonly digest: Uint8Array
  readonly signature: Uint8Array
  readonly answer: (valid: boolean) => void
}

type Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean

/**
 * Verifies signatures over 32-byte digests in one worker thread, started at the first request.
 * Requests made in one task travel as one message. The worker keeps the process alive only
 * while an answer is owed.
 */
export class VerifyThread {
  readonly #fallback: Verify
  #worker: Worker | undefined
  #failed = false
  #queued: Request[] = []
  readonly #owed = new Map<number, Request[]>()
  #nextId = 0

  /** `fallback` verifies on this thread: a message that is not a 32-byte digest, or once the worker failed. */
  constructor (fallback: Verify) {
    this.#fallback = fallback
  }

  async verify (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (this.#failed || message.byteLength !== DIGEST_BYTES || publicKey.byteLength !== PUBLIC_KEY_BYTES || signature.byteLength !== SIGNATURE_BYTES) {
      return this.#fallback(publicKey, message, signature)
    }
    return await new Promise<boolean>((resolve) => {
      if (this.#queued.length === 0) queueMicrotask(() => { this.#send() })
      this.#queued.push({ publicKey, digest: message, signature, answer: resolve })
    })
  }

  #send (): void {
    const batch = this.#queued
    this.#queued = []
    const worker = this.#start()
    if (worker == null) {
      this.#answerHere(batch)
      return
    }
    const requests = new Uint8Array(batch.length * REQUEST_BYTES)
    batch.forEach((request, i) => {
      const at = i * REQUEST_BYTES
      requests.set(request.publicKey, at)
      requests.set(request.digest, at + PUBLIC_KEY_BYTES)
      requests.set(request.signature, at + PUBLIC_KEY_BYTES + DIGEST_BYTES)
    })
    const id = this.#nextId++
    if (this.#owed.size === 0) worker.ref()
    this.#owed.set(id, batch)
    worker.postMessage({ id, requests }, [requests.buffer])
  }

  #start (): Worker | undefined {
    if (this.#worker != null || this.#failed) return this.#worker
    try {
      const worker = new Worker(SCRIPT, { eval: true, execArgv: [] })
      worker.unref()
      worker.on('message', ({ id, answers }: { id: number, answers: Uint8Array }) => {
        const batch = this.#owed.get(id)
        if (batch == null) return
        this.#owed.delete(id)
        if (this.#owed.size === 0) worker.unref()
        batch.forEach((request, i) => { request.answer(answers[i] === 1) })
      })
      worker.on('error', () => { this.#fail() })
      worker.on('exit', () => { this.#fail() })
      this.#worker = worker
    } catch {
      this.#failed = true
    }
    return this.#worker
  }

  /** The worker is gone: what it owed is verified here, and so is everything after. */
  #fail (): void {
    this.#failed = true
    this.#worker = undefined
    const owed = [...this.#owed.values()].flat()
    this.#owed.clear()
    this.#answerHere(owed)
  }

  #answerHere (requests: Request[]): void {
    for (const request of requests) {
      let valid = false
      try {
        valid = this.#fallback(request.publicKey, request.digest, request.signature)
      } catch {
        // A public key that is no key: no signature under it is valid.
      }
      request.answer(valid)
    }
  }
}
