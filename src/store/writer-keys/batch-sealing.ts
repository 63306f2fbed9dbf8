// Sealing a batch: its salt, its leaves and the tags of the removals it carries, fixed before
// it is signed; and signing own seqs from what a store holds. The signer (batch-signer.ts)
// decides when and what to seal.
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from './ed25519.ts'
import { batchDigest, leafOfParts, EMPTY_REMOVALS_DIGEST, LEAF_BYTES, MAX_BATCH_SEQS, SALT_BYTES, TAG_BYTES, type TaggedDot } from './batch-digest.ts'
import type { WriterKey } from './writer-key.ts'
import type { BatchProof } from '../diff.ts'
import type { Dot, Hlc, Op, SignedBatch, WriterCard } from '../types.ts'

/** A batch whose leaves are fixed and whose signature may still be on its way. */
export interface Sealed {
  readonly ops: Op[]
  readonly proof: BatchProof & { signature: Uint8Array }
  readonly digest: Uint8Array
  readonly batch: { -readonly [K in keyof SignedBatch]: SignedBatch[K] }
}

/** What a leaf and a salt are made of: a set's seq, clock, key and value. */
export interface Written {
  readonly seq: number
  readonly hlc: Hlc
  readonly key: Uint8Array
  readonly value: Uint8Array
}

/** A signature not made yet. */
export const UNSIGNED = new Uint8Array(0)
const SALT_DOMAIN = new TextEncoder().encode('roaring-mesh salt v3')
const NO_TAG = new Uint8Array(TAG_BYTES)
const NO_REMOVALS: readonly TaggedDot[] = Object.freeze([])

/**
 * A batch's salt: a hash of the writer's secret and the seqs the batch covers, as RFC 6979
 * derives nonces. Nobody without the secret can compute it, so no leaf or tag can be guessed
 * before the batch is published, and one batch's salt tells nothing of another's; the same batch
 * gets the same salt, so a replay (or a range signed again after a crash lost its proof) is byte
 * for byte. Leaves hash the content under it, so the salt need not (it would cost a second hash
 * of every key and value).
 */
export function saltOf (secret: Uint8Array, first: number, count: number): Uint8Array {
  const numbers = new Uint8Array(16)
  const view = new DataView(numbers.buffer)
  view.setFloat64(0, first, true)
  view.setFloat64(8, count, true)
  return sha256.create().update(SALT_DOMAIN).update(secret).update(numbers).digest().subarray(0, SALT_BYTES)
}

/**
 * The salt and leaves of own seqs `[first, end)` signed from what a store holds rather than from
 * ops: a live entry's leaf, or a zero leaf (issued with no entry, which no entry's leaf is) for a
 * seq whose entry died or never was. Content alone decides the leaves, so a store that signs the
 * same range again (after a crash lost the proof) signs the same ones. (A live store's signer
 * adds the removals its commits made meanwhile; see {@link BatchSigner.removed}.)
 */
export function sealStored (secret: Uint8Array, first: number, end: number, entryAt: (seq: number) => Written | undefined): { salt: Uint8Array, leaves: Uint8Array } {
  const sets: Written[] = []
  for (let seq = first; seq < end; seq++) {
    const entry = entryAt(seq)
    if (entry != null) sets.push(entry)
  }
  const salt = saltOf(secret, first, end - first)
  const leaves = new Uint8Array((end - first) * LEAF_BYTES)
  for (const set of sets) leaves.set(leafOfParts(salt, set.seq, set.hlc.wall, set.hlc.counter, set.key, set.value), (set.seq - first) * LEAF_BYTES)
  return { salt, leaves }
}

/** Signs own seqs `[first, end)` from what a store holds, in batches of {@link MAX_BATCH_SEQS} (see {@link sealStored}). */
export async function signStored (key: WriterKey, first: number, end: number, entryAt: (seq: number) => Written | undefined): Promise<BatchProof[]> {
  const proofs: BatchProof[] = []
  for (let start = first; start < end; start += MAX_BATCH_SEQS) {
    const stop = Math.min(end, start + MAX_BATCH_SEQS)
    const { salt, leaves } = sealStored(key.secretKey, start, stop, entryAt)
    const signature = await ed25519().sign(key.secretKey, batchDigest(key.replicaId, start, stop - start, salt, EMPTY_REMOVALS_DIGEST, leaves))
    proofs.push({ first: start, count: stop - start, salt, removalsDigest: EMPTY_REMOVALS_DIGEST, leaves, signature })
  }
  return proofs
}

/** A batch of ops sealed: its signed ops (sharing one batch record, its signature to come) and what its proof is made of. */
export interface SealedOps {
  readonly signedOps: Op[]
  readonly first: number
  readonly count: number
  readonly salt: Uint8Array
  readonly leaves: Uint8Array
  readonly removals: TaggedDot[]
  readonly batch: Sealed['batch']
}

/**
 * Seals one batch of queued ops: its salt, leaves and removal tags. A removal of a seq of this
 * batch is tagged by its leaf; any other by `tagOf` (the proof the store holds), else untagged.
 * `sealedTo` is where a batch of no sets starts.
 */
export function sealOps (key: WriterKey, card: WriterCard, ops: readonly Op[], sealedTo: number, tagOf: (dot: Dot) => Uint8Array | undefined): SealedOps {
  let first = sealedTo
  let count = 0
  for (const op of ops) {
    if (op.kind !== 'set') continue
    if (count === 0) first = op.dot.seq
    count++
  }
  const salt = saltOf(key.secretKey, first, count)
  const leaves = new Uint8Array(count * LEAF_BYTES)
  for (const op of ops) if (op.kind === 'set') leaves.set(leafOfParts(salt, op.dot.seq, op.hlc.wall, op.hlc.counter, op.key, op.value), (op.dot.seq - first) * LEAF_BYTES)
  const own = key.replicaId
  const batch: Sealed['batch'] = { card, first, count, salt, signature: UNSIGNED }
  const removals: TaggedDot[] = []
  const signedOps: Op[] = []
  for (const op of ops) {
    // Most sets remove nothing (a fresh key): they share one empty list.
    let removes: readonly TaggedDot[] = NO_REMOVALS
    if (op.removes.length > 0) {
      removes = op.removes.map((dot): TaggedDot => {
        const inBatch = dot.replica === own && dot.seq >= first && dot.seq < first + count
        const tag = inBatch ? leaves.slice((dot.seq - first) * LEAF_BYTES, (dot.seq - first) * LEAF_BYTES + TAG_BYTES) : (tagOf(dot) ?? NO_TAG)
        return { replica: dot.replica, seq: dot.seq, tag }
      })
      for (const dot of removes) removals.push(dot)
    }
    signedOps.push(op.kind === 'set'
      ? { kind: 'set', key: op.key, value: op.value, dot: op.dot, hlc: op.hlc, removes, batch }
      : { kind: 'delete', key: op.key, removes, batch })
  }
  return { signedOps, first, count, salt, leaves, removals, batch }
}
