import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from './ed25519.ts'
import { batchDigest, leafOfParts, removalsDigest, LEAF_BYTES, MAX_BATCH_REMOVALS, MAX_BATCH_SEQS, SALT_BYTES, TAG_BYTES, type TaggedDot } from './batch-digest.ts'
import type { WriterKey } from './writer-key.ts'
import type { BatchProof } from '../diff.ts'
import type { Dot, Op, SignedBatch, WriterCard } from '../types.ts'

/** A batch whose leaves are fixed and whose signature may still be on its way. */
interface Sealed {
  readonly ops: Op[]
  readonly proof: BatchProof & { signature: Uint8Array }
  readonly digest: Uint8Array
  readonly batch: { -readonly [K in keyof SignedBatch]: SignedBatch[K] }
}

/** A commit's ops, or an object that makes them. */
type QueuedOps = readonly Op[] | { ops: () => Op[] }

const UNSIGNED = new Uint8Array(0)
const SALT_DOMAIN = new TextEncoder().encode('roaring-mesh salt v3')

/**
 * A batch's salt: a hash of the writer's secret and the batch's content, as RFC 6979 derives
 * nonces. Nobody without the secret can compute it, so no leaf or tag can be guessed before the
 * batch is published; and the same batch gets the same salt, so a replay is byte for byte.
 */
function saltOf (secret: Uint8Array, first: number, ops: readonly Op[]): Uint8Array {
  const hash = sha256.create().update(SALT_DOMAIN).update(secret)
  const number = new Uint8Array(8)
  const view = new DataView(number.buffer)
  view.setFloat64(0, first, true)
  hash.update(number)
  for (const op of ops) {
    if (op.kind !== 'set') continue
    view.setFloat64(0, op.hlc.wall * 65536 + op.hlc.counter, true)
    hash.update(number).update(op.key).update(op.value)
  }
  return hash.digest().subarray(0, SALT_BYTES)
}
const NO_TAG = new Uint8Array(TAG_BYTES)

export interface BatchSignerOptions {
  /** The 8-byte tag of a dot the store holds (from the proof covering it), if it has one. */
  tagOf: (dot: Dot) => Uint8Array | undefined
  /** A batch's proof, once its leaves are fixed (its signature follows). */
  sealed: (proof: BatchProof) => void
  /** The batch's ops, signed, in commit order. */
  signed: (ops: Op[], proof: BatchProof) => void
  /** Commits within this many ms of the last batch share the next one. @default 4 */
  windowMs?: number
}

/**
 * Signs a store's local commits off the write path: commits queue up, and are sealed into
 * batches of at most {@link MAX_BATCH_SEQS} seqs (leaves, tags, salt) in a microtask, or once
 * `windowMs` has passed since the last batch, then signed once per batch. Batches are signed and
 * handed on in commit order, whether the platform signs synchronously or not.
 */
export class BatchSigner {
  readonly #key: WriterKey
  readonly #options: BatchSignerOptions
  readonly #windowMs: number
  /** Commits queued: their ops, or what makes them (see CommittedOps), in commit order. */
  #pending: QueuedOps[] = []
  #scheduled = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #lastSeal = Number.NEGATIVE_INFINITY

  /** Resolves once every batch sealed so far was signed and handed on (async platforms only). */
  #chain: Promise<void> | undefined

  /** The public half of the key: ops carry it, and an app may log or clone them. */
  readonly #card: WriterCard

  constructor (key: WriterKey, options: BatchSignerOptions) {
    this.#key = key
    this.#card = { publicKey: key.publicKey, nonce: key.nonce }
    this.#options = options
    this.#windowMs = options.windowMs ?? 4
  }

  /** Queues a commit's ops, or what makes them when they are sealed (its sets are the store's next seqs, in order). */
  add (ops: QueuedOps): void {
    this.#pending.push(ops)
    if (this.#scheduled) return
    this.#scheduled = true
    const wait = this.#lastSeal + this.#windowMs - performance.now()
    if (wait <= 0) queueMicrotask(() => { this.#run() })
    else this.#timer = setTimeout(() => { this.#run() }, wait)
  }

  #run (): void {
    this.#scheduled = false
    this.#timer = undefined
    this.#lastSeal = performance.now()
    for (const sealed of this.#seal(this.#takePending())) this.#sign(sealed)
  }

  /** The queued commits' ops, in order, with the queue emptied. */
  #takePending (): readonly Op[] {
    const pending = this.#pending
    this.#pending = []
    const ops: Op[] = []
    for (const queued of pending) {
      const made = 'ops' in queued ? queued.ops() : queued
      if (pending.length === 1) return made
      for (const op of made) ops.push(op)
    }
    return ops
  }

  /**
   * Seals and signs now whatever is queued, then `ops` as batches of their own, and returns
   * `ops` signed. Only on a platform that signs synchronously.
   */
  signNow (ops: readonly Op[]): Op[] | undefined {
    if (!ed25519().synchronous || this.#chain != null) return undefined
    for (const sealed of this.#seal(this.#takePending())) this.#sign(sealed)
    const out: Op[] = []
    for (const sealed of this.#seal(ops)) out.push(...this.#sign(sealed))
    return out
  }

  /** Seals and signs what is queued now, where the platform signs synchronously (a diff is about to be served). */
  signQueued (): void {
    if (this.#pending.length === 0 || !ed25519().synchronous || this.#chain != null) return
    clearTimeout(this.#timer)
    this.#run()
  }

  /**
   * Signs seqs `[first, end)` as issued with no entry (a restart skipped them): their leaves are
   * zero, which no entry's leaf is, so that deaths of them are attested and nothing can live there.
   */
  voidRange (first: number, end: number): void {
    for (let start = first; start < end; start += MAX_BATCH_SEQS) {
      const count = Math.min(MAX_BATCH_SEQS, end - start)
      const salt = new Uint8Array(SALT_BYTES)
      const leaves = new Uint8Array(count * LEAF_BYTES)
      const removed = removalsDigest([])
      const proof = { first: start, count, salt, removalsDigest: removed, leaves, signature: UNSIGNED }
      const batch: Sealed['batch'] = { card: this.#card, first: start, count, salt, signature: UNSIGNED }
      this.#options.sealed(proof)
      this.#sign({ ops: [], proof, batch, digest: batchDigest(this.#key.replicaId, start, count, salt, removed, leaves) })
    }
    this.#nextFirst = Math.max(this.#nextFirst, end)
  }

  /** Resolves once every batch sealed so far has been signed and handed on. */
  async settled (): Promise<void> {
    if (this.#pending.length > 0) this.#run()
    await this.#chain
  }

  #sign (sealed: Sealed): Op[] {
    const signature = this.#chain == null ? ed25519().sign(this.#key.secretKey, sealed.digest) : undefined
    if (signature instanceof Uint8Array) return this.#finish(sealed, signature)
    const previous = this.#chain ?? Promise.resolve()
    const mine = previous.then(async () => {
      const late = signature ?? ed25519().sign(this.#key.secretKey, sealed.digest)
      this.#finish(sealed, await late)
    })
    this.#chain = mine.finally(() => { if (this.#chain === mine) this.#chain = undefined })
    return sealed.ops
  }

  #finish (sealed: Sealed, signature: Uint8Array): Op[] {
    sealed.proof.signature = signature
    sealed.batch.signature = signature
    this.#options.signed(sealed.ops, sealed.proof)
    return sealed.ops
  }

  /** Cuts ops into batches and fixes each one's salt, leaves and removal tags. */
  * #seal (ops: readonly Op[]): Generator<Sealed> {
    let start = 0
    while (start < ops.length) {
      let end = start
      let sets = 0
      let removals = 0
      while (end < ops.length) {
        const op = ops[end]
        const addsSet = op.kind === 'set' ? 1 : 0
        if (end > start && (sets + addsSet > MAX_BATCH_SEQS || removals + op.removes.length > MAX_BATCH_REMOVALS)) break
        sets += addsSet
        removals += op.removes.length
        end++
      }
      yield this.#sealOne(ops.slice(start, end))
      start = end
    }
  }

  #sealOne (ops: Op[]): Sealed {
    const firstSet = ops.find((op) => op.kind === 'set')
    const first = firstSet?.kind === 'set' ? firstSet.dot.seq : this.#nextFirst
    const count = ops.reduce((n, op) => n + (op.kind === 'set' ? 1 : 0), 0)
    const salt = saltOf(this.#key.secretKey, first, ops)
    const leaves = new Uint8Array(count * LEAF_BYTES)
    const own = this.#key.replicaId
    const batch: Sealed['batch'] = { card: this.#card, first, count, salt, signature: UNSIGNED }
    const removals: TaggedDot[] = []
    const signedOps: Op[] = []
    for (const op of ops) {
      const removes = op.removes.map((dot): TaggedDot => {
        const inBatch = dot.replica === own && dot.seq >= first && dot.seq < first + count
        const tag = inBatch ? leaves.slice((dot.seq - first) * LEAF_BYTES, (dot.seq - first) * LEAF_BYTES + TAG_BYTES) : (this.#options.tagOf(dot) ?? NO_TAG)
        return { replica: dot.replica, seq: dot.seq, tag }
      })
      removals.push(...removes)
      if (op.kind === 'set') {
        leaves.set(leafOfParts(salt, op.dot.seq, op.hlc.wall, op.hlc.counter, op.key, op.value), (op.dot.seq - first) * LEAF_BYTES)
        signedOps.push({ ...op, removes, batch })
      } else {
        signedOps.push({ ...op, removes, batch })
      }
    }
    this.#nextFirst = first + count
    const removed = removalsDigest(removals)
    const proof = { first, count, salt, removalsDigest: removed, leaves, signature: UNSIGNED }
    if (count > 0) this.#options.sealed(proof)
    return { ops: signedOps, proof, batch, digest: batchDigest(own, first, count, salt, removed, leaves) }
  }

  /** The first seq of the next batch, for a batch of removals only. */
  #nextFirst = 1

  /** Tells the signer where the store's seqs stand (a store reopened at seq n). */
  startAt (nextSeq: number): void {
    this.#nextFirst = nextSeq
  }
}
