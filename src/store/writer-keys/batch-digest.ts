import { sha256 } from '@noble/hashes/sha2.js'
import type { Dot, ReplicaId } from '../types.ts'
import { replicaIdToBytes } from '../replica-id.ts'
import { copyBytes } from '../copy-bytes.ts'

// What a writer signs, byte for byte (the grammar is in src/protocols/wire/README.md). Everything
// is a SHA-256 under a domain string of its own, so no hash of one kind can pass for another.

export const LEAF_BYTES = 16
export const TAG_BYTES = 8
export const SALT_BYTES = 16
export const DIGEST_BYTES = 32
/** Seqs one batch covers at most: a diff frame sends the leaves of a batch's seqs it does not carry. */
export const MAX_BATCH_SEQS = 64
/** Removals one batch carries at most. */
export const MAX_BATCH_REMOVALS = 4096

/** Whether the leaf at byte `at` of `leaves` is all zeros: its seq was signed as issued with no entry. */
export function isZeroLeaf (leaves: Uint8Array, at: number): boolean {
  for (let i = 0; i < LEAF_BYTES; i++) if (leaves[at + i] !== 0) return false
  return true
}

const encoder = new TextEncoder()
const LEAF_DOMAIN = encoder.encode('roaring-mesh leaf v3')
const REMOVALS_DOMAIN = encoder.encode('roaring-mesh removals v3')
const BATCH_DOMAIN = encoder.encode('roaring-mesh batch v3')

function u64 (view: DataView, at: number, value: number): void {
  view.setUint32(at, value >>> 0, true)
  view.setUint32(at + 4, Math.floor(value / 0x1_0000_0000), true)
}

/**
 * The first `length` bytes of SHA-256 of one buffer, in an array of their own: @noble/hashes
 * everywhere, node:crypto's where an entry point registers it (about 3 times faster per leaf).
 * A leaf is copied out rather than viewed: a view on a small array moves its bytes off the heap.
 */
let digestOf: (bytes: Uint8Array, length: number) => Uint8Array = (bytes, length) => sha256(bytes).slice(0, length)

export function useSha256 (fn: (bytes: Uint8Array, length: number) => Uint8Array): void {
  digestOf = fn
}

const LEAF_FIXED = LEAF_DOMAIN.byteLength + SALT_BYTES + 32
// One scratch buffer for every leaf (a leaf hashes domain, header, key and value in one call).
let scratch = new Uint8Array(LEAF_FIXED + 4096)
let scratchView = new DataView(scratch.buffer)
scratch.set(LEAF_DOMAIN)

function leafHeader (salt: Uint8Array, seq: number, wall: number, counter: number, keyLength: number, bodyLength: number): void {
  if (scratch.byteLength < LEAF_FIXED + bodyLength) {
    scratch = new Uint8Array(LEAF_FIXED + bodyLength)
    scratchView = new DataView(scratch.buffer)
    scratch.set(LEAF_DOMAIN)
  }
  const at = LEAF_DOMAIN.byteLength
  scratch.set(salt, at)
  u64(scratchView, at + SALT_BYTES, seq)
  u64(scratchView, at + SALT_BYTES + 8, wall)
  u64(scratchView, at + SALT_BYTES + 16, counter)
  u64(scratchView, at + SALT_BYTES + 24, keyLength)
}

/**
 * One entry's leaf, its seq, clock, key and value under the batch's salt (16 bytes), written into
 * `target` at `at`; the key and value sit side by side in `bytes`. No view is made of the entry
 * or the leaf: a 100,000-entry diff hashes one leaf per entry.
 */
export function leafInto (target: Uint8Array, at: number, salt: Uint8Array, seq: number, wall: number, counter: number, bytes: Uint8Array, keyStart: number, keyLength: number, valueLength: number): void {
  leafHeader(salt, seq, wall, counter, keyLength, keyLength + valueLength)
  copyBytes(scratch, LEAF_FIXED, bytes, keyStart, keyLength + valueLength)
  target.set(digestOf(scratch.subarray(0, LEAF_FIXED + keyLength + valueLength), LEAF_BYTES), at)
}

/** The leaf of an entry whose key and value are separate arrays. */
export function leafOfParts (salt: Uint8Array, seq: number, wall: number, counter: number, key: Uint8Array, value: Uint8Array): Uint8Array {
  leafHeader(salt, seq, wall, counter, key.byteLength, key.byteLength + value.byteLength)
  scratch.set(key, LEAF_FIXED)
  scratch.set(value, LEAF_FIXED + key.byteLength)
  return digestOf(scratch.subarray(0, LEAF_FIXED + key.byteLength + value.byteLength), LEAF_BYTES)
}

/** A removal as it is signed: the dot and the tag of the entry it removes. */
export interface TaggedDot extends Dot {
  readonly tag: Uint8Array
}

/** The digest of a batch's removals, in order. */
export function removalsDigest (removals: Iterable<TaggedDot>): Uint8Array {
  const hash = sha256.create().update(REMOVALS_DOMAIN)
  const seq = new Uint8Array(8)
  const view = new DataView(seq.buffer)
  for (const dot of removals) {
    u64(view, 0, dot.seq)
    hash.update(replicaIdToBytes(dot.replica)).update(seq).update(dot.tag)
  }
  return hash.digest()
}

export const EMPTY_REMOVALS_DIGEST = removalsDigest([])

/** The 32 bytes a writer signs for a batch. `leaves` holds `count` leaves back to back. */
export function batchDigest (replica: ReplicaId, first: number, count: number, salt: Uint8Array, removals: Uint8Array, leaves: Uint8Array): Uint8Array {
  // Domain, header and leaves in one buffer, for one call of the fastest SHA-256 at hand.
  const at = BATCH_DOMAIN.byteLength
  const bytes = new Uint8Array(at + 16 + 16 + SALT_BYTES + DIGEST_BYTES + leaves.byteLength)
  const view = new DataView(bytes.buffer)
  bytes.set(BATCH_DOMAIN)
  bytes.set(replicaIdToBytes(replica), at)
  u64(view, at + 16, first)
  u64(view, at + 24, count)
  bytes.set(salt, at + 32)
  bytes.set(removals, at + 32 + SALT_BYTES)
  bytes.set(leaves, at + 32 + SALT_BYTES + DIGEST_BYTES)
  return digestOf(bytes, DIGEST_BYTES)
}
