import { ed25519 } from './ed25519.ts'
import { batchDigest, removalsDigest, EMPTY_REMOVALS_DIGEST, MAX_BATCH_REMOVALS, MAX_BATCH_SEQS, type TaggedDot } from './batch-digest.ts'
import { UNSIGNED, saltOf, sealOps, sealStored, type Sealed, type Written } from './batch-sealing.ts'
import { batchEnd, setsIn } from './batch-cuts.ts'
import { RemovalsToSign } from './removals-to-sign.ts'
import type { WriterKey } from './writer-key.ts'
import type { BatchProof } from '../diff.ts'
import type { Dot, Op, WriterCard } from '../types.ts'

/** How long one slice of signing may hold the event loop. */
const SLICE_MS = 4

const nextTask: (fn: () => void) => void = typeof setImmediate === 'function' ? (fn) => { setImmediate(fn) } : (fn) => { setTimeout(fn, 0) }

export interface BatchSignerOptions {
  /** The 8-byte tag of a dot the store holds (from the proof covering it), if it has one. */
  tagOf: (dot: Dot) => Uint8Array | undefined
  /** The live entry of an own seq, read when a commit that sent no ops is signed; undefined once it is dead. */
  entryAt: (seq: number) => Written | undefined
  /** The first own seq in `[from, end)` this store has seen, if any: seqs never issued (a gap a damaged state record claims) are not signed. */
  nextSeen: (from: number, end: number) => number | undefined
  /** The first seq no commit holds yet (an open transaction's are not committed): commits below it that sent no ops are signed on demand. */
  issuedTo: () => number
  /** A batch's proof, once its leaves are fixed (its signature follows). */
  sealed: (proof: BatchProof) => void
  /** The batch's ops, signed, in commit order (none for commits that sent no ops). */
  signed: (ops: Op[], proof: BatchProof) => void
  /** Commits within this many ms of the last batch share the next one. @default 4 */
  windowMs?: number
}

/**
 * Signs a store's local commits, never at commit. A commit someone listens to (the store's 'ops'
 * event) queues its ops: they are sealed into batches of at most {@link MAX_BATCH_SEQS} seqs
 * (leaves, tags, salt) and signed in slices of a few ms, from a microtask or once `windowMs` has
 * passed since the last batch. A commit nobody listens to queues nothing: its seqs are signed
 * only when they must leave the store (a diff is served, `settled()`), read back from the store,
 * each entry overwritten meanwhile as issued with no entry (a zero leaf). Batches are signed and
 * handed on in seq order, whether the platform signs synchronously or not, and every seq is
 * signed once: a restart resumes above the last proof kept.
 */
export class BatchSigner {
  readonly #key: WriterKey
  readonly #options: BatchSignerOptions
  readonly #windowMs: number
  /** Ops of commits that send ops, in commit order; their sets' seqs are contiguous. */
  #queue: Op[] = []
  /** The first op of {@link #queue} not signed yet. */
  #head = 0
  /** The seq the queue's first commit started at (the seqs below it are signed from the store). */
  #queueFrom = 0
  /** The tagged removals of commits that sent no ops, till a batch signs them. */
  readonly #removals = new RemovalsToSign()
  /** Seqs below this are to be signed though no op asks for them (a diff, `settled()`). */
  #demanded = 0
  /** The first seq not sealed yet. */
  #sealedTo = 1
  #scheduled = false
  #lastSeal = Number.NEGATIVE_INFINITY
  /** The last slice sealed a full batch of queued ops: commits come faster than a batch a window. */
  #bursting = false
  /** The slice under way may hold back a trailing partial batch (see {@link #slice}). */
  #mayHold = false
  /** The first op of the partial batch held back last: it is held once, never twice. */
  #held: Op | undefined
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

  /** Whether ops are queued: a commit in between must queue its own, so that the queue stays contiguous. */
  get queued (): boolean {
    return this.#queue.length > 0
  }

  /** The first own seq not sealed yet: a seq below it has its leaf in a proof, one above it gets its leaf when sealed. */
  get sealedTo (): number {
    return this.#sealedTo
  }

  /**
   * Keeps the tagged removals of a commit that sent no ops (its seqs end before `end`) until a
   * batch signs them, so that every removal this replica makes is signed, the evidence of the
   * death it caused. Memory stays bounded: once {@link MAX_BATCH_REMOVALS} wait, everything
   * committed is sealed in the background, as a served diff would.
   */
  removed (dots: readonly TaggedDot[], end: number): void {
    this.#removals.add(dots, end)
    if (this.#removals.size >= MAX_BATCH_REMOVALS) {
      this.#demanded = Math.max(this.#demanded, end)
      this.#schedule()
    }
  }

  /** Tells the signer where the store's own proofs end (a store reopened: seqs above are signed anew). */
  startAt (firstUnsigned: number): void {
    this.#sealedTo = firstUnsigned
  }

  /** Queues a commit's ops (its sets are the store's seqs from `firstSeq`, in order). */
  add (ops: readonly Op[], firstSeq: number): void {
    if (this.#queue.length === 0) this.#queueFrom = firstSeq
    for (const op of ops) this.#queue.push(op)
    this.#schedule()
  }

  #schedule (): void {
    if (this.#scheduled) return
    this.#scheduled = true
    const wait = this.#lastSeal + this.#windowMs - performance.now()
    if (wait <= 0) queueMicrotask(() => { this.#slice() })
    else setTimeout(() => { this.#slice() }, wait)
  }

  /**
   * Signs for a few ms, then yields to the event loop and carries on. In a burst (the last slice
   * sealed a full batch), a trailing partial batch is held back once, for one window, so that
   * the commits that follow fill it: every batch costs its writer a signature and every
   * receiver a verification. `force` (someone awaits the signing) holds nothing back.
   */
  #slice (force = false): void {
    this.#scheduled = false
    this.#lastSeal = performance.now()
    const deadline = this.#lastSeal + SLICE_MS
    this.#mayHold = !force && this.#bursting
    this.#bursting = false
    try {
      while (this.#step()) {
        if (performance.now() >= deadline) {
          this.#scheduled = true
          nextTask(() => { this.#slice() })
          return
        }
      }
    } finally {
      this.#mayHold = false
    }
    if (this.#queue.length > 0 && !this.#scheduled) {
      // A partial batch held back: sealed at the next window, with whatever joined it.
      this.#scheduled = true
      setTimeout(() => { this.#slice() }, this.#windowMs)
    }
  }

  /**
   * Signs now everything committed so far, where the platform signs synchronously (a diff is
   * about to be served, or `commitWithOps` wants its ops signed: then `before` is its first
   * seq, and its ops are not queued). Returns whether it could; where it cannot, signing starts
   * in the background.
   */
  signAll (before = this.#options.issuedTo()): boolean {
    this.#demanded = Math.max(this.#demanded, before)
    if (!ed25519().synchronous || this.#chain != null) {
      // Signed in the background instead: what is served meanwhile leaves it out, the next pull gets it.
      if (this.#pending()) this.#schedule()
      return false
    }
    while (this.#step()) { /* every batch in turn */ }
    return true
  }

  /** Seals and signs `ops` (a commit not queued) after everything before them. Only where {@link signAll} succeeded. */
  signNow (ops: readonly Op[]): Op[] {
    const out: Op[] = []
    for (const sealed of this.#seal(ops)) out.push(...this.#sign(sealed))
    return out
  }

  /** Resolves once everything committed so far is signed and handed on, in slices. */
  async settled (): Promise<void> {
    this.#demanded = Math.max(this.#demanded, this.#options.issuedTo())
    while (this.#pending()) await new Promise<void>((resolve) => { nextTask(() => { this.#slice(true); resolve() }) })
    await this.#chain
  }

  /** Resolves once every queued op is signed and handed on (what the 'ops' event still owes). */
  async opsSent (): Promise<void> {
    while (this.#queue.length > 0) await new Promise<void>((resolve) => { nextTask(() => { this.#slice(true); resolve() }) })
    await this.#chain
  }

  #pending (): boolean {
    const end = Math.min(this.#demanded, this.#options.issuedTo())
    return this.#queue.length > 0 || this.#sealedTo < end || this.#removals.due(end)
  }

  /** Seals and signs one batch; false when nothing is left to do. */
  #step (): boolean {
    // Seqs of commits that sent no ops come first: everything below the queue, or what is demanded.
    const stateEnd = Math.min(this.#queue.length > 0 ? this.#queueFrom : this.#demanded, this.#options.issuedTo())
    if (this.#sealedTo < stateEnd) {
      const from = this.#options.nextSeen(this.#sealedTo, stateEnd)
      if (from == null) this.#sealedTo = stateEnd
      else this.#sign(this.#sealStored(from, Math.min(stateEnd, from + MAX_BATCH_SEQS)))
      return true
    }
    // Removals left over (deletes take no seq, and a batch signs at most MAX_BATCH_REMOVALS): a batch of removals only.
    if (this.#removals.due(stateEnd)) {
      this.#sign(this.#sealRemovals(this.#removals.take(stateEnd)))
      return true
    }
    if (this.#queue.length === 0) return false
    // The queue is read from #head on and dropped once read: a 1,000,000-op commit costs linear time.
    const end = batchEnd(this.#queue, this.#head)
    const full = end < this.#queue.length || setsIn(this.#queue, this.#head, end) === MAX_BATCH_SEQS
    if (!full && this.#mayHold && this.#queue[this.#head] !== this.#held) {
      this.#held = this.#queue[this.#head]
      return false
    }
    if (full) this.#bursting = true
    const ops = this.#queue.slice(this.#head, end)
    this.#head = end
    if (end === this.#queue.length) {
      this.#queue = []
      this.#head = 0
    }
    this.#sign(this.#sealOps(ops))
    this.#queueFrom = this.#sealedTo
    return true
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

  /** Cuts ops into batches and seals each. */
  * #seal (ops: readonly Op[]): Generator<Sealed> {
    for (let start = 0; start < ops.length;) {
      const end = batchEnd(ops, start)
      yield this.#sealOps(ops.slice(start, end))
      start = end
    }
  }

  /**
   * Seals own seqs `[first, end)` of commits that sent no ops, from what the store holds (see
   * {@link sealStored}), with the removals of those commits.
   */
  #sealStored (first: number, end: number): Sealed {
    const { salt, leaves } = sealStored(this.#key.secretKey, first, end, this.#options.entryAt)
    return this.#sealed([], first, end - first, salt, leaves, this.#removals.take(end))
  }

  /** Seals a batch of removals only, covering no seq. */
  #sealRemovals (removals: TaggedDot[]): Sealed {
    return this.#sealed([], this.#sealedTo, 0, saltOf(this.#key.secretKey, this.#sealedTo, 0), new Uint8Array(0), removals)
  }

  /** Seals one batch of queued ops: its salt, leaves and removal tags. */
  #sealOps (ops: Op[]): Sealed {
    const { signedOps, first, count, salt, leaves, removals, batch } = sealOps(this.#key, this.#card, ops, this.#sealedTo, this.#options.tagOf)
    return this.#sealed(signedOps, first, count, salt, leaves, removals, batch)
  }

  #sealed (ops: Op[], first: number, count: number, salt: Uint8Array, leaves: Uint8Array, removals: readonly TaggedDot[], batch: Sealed['batch'] = { card: this.#card, first, count, salt, signature: UNSIGNED }): Sealed {
    this.#sealedTo = first + count
    const removed = removals.length === 0 ? EMPTY_REMOVALS_DIGEST : removalsDigest(removals)
    const proof = { first, count, salt, removalsDigest: removed, leaves, signature: UNSIGNED, removals }
    if (count > 0 || removals.length > 0) this.#options.sealed(proof)
    return { ops, proof, batch, digest: batchDigest(this.#key.replicaId, first, count, salt, removed, leaves) }
  }
}
