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

const encoder = new TextEncoder()
const LEAF_DOMAIN = encoder.encode('roaring-mesh leaf v3')
const REMOVALS_DOMAIN = encoder.encode('roaring-mesh removals v3')
const BATCH_DOMAIN = encoder.encode('roaring-mesh batch v3')

function u64 (view: DataView, at: number, value: number): void {
  view.setUint32(at, value >>> 0, true)
  view.setUint32(at + 4, Math.floor(value / 0x1_0000_0000), true)
}

/** SHA-256 of one buffer: @noble/hashes everywhere, node:crypto's where an entry point registers it (2-3 times faster per leaf). */
let digestOf: (bytes: Uint8Array) => Uint8Array = (bytes) => sha256(bytes)

export function useSha256 (fn: (bytes: Uint8Array) => Uint8Array): void {
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
  const digest = digestOf(scratch.subarray(0, LEAF_FIXED + keyLength + valueLength))
  for (let i = 0; i < LEAF_BYTES; i++) target[at + i] = digest[i]
}

/** The leaf of an entry whose key and value are separate arrays. */
export function leafOfParts (salt: Uint8Array, seq: number, wall: number, counter: number, key: Uint8Array, value: Uint8Array): Uint8Array {
  leafHeader(salt, seq, wall, counter, key.byteLength, key.byteLength + value.byteLength)
  scratch.set(key, LEAF_FIXED)
  scratch.set(value, LEAF_FIXED + key.byteLength)
  return digestOf(scratch.subarray(0, LEAF_FIXED + key.byteLength + value.byteLength)).subarray(0, LEAF_BYTES)
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

const BATCH_HEADER = BATCH_DOMAIN.byteLength + 16 + 16 + SALT_BYTES + DIGEST_BYTES
// Domain, header and leaves in one buffer, hashed in one call (node:crypto's where registered:
// a 100,000-entry sync hashes 1,563 batches).
const batchScratch = new Uint8Array(BATCH_HEADER + MAX_BATCH_SEQS * LEAF_BYTES)
const batchView = new DataView(batchScratch.buffer)
batchScratch.set(BATCH_DOMAIN)

/** The 32 bytes a writer signs for a batch. `leaves` holds `count` leaves back to back. */
export function batchDigest (replica: ReplicaId, first: number, count: number, salt: Uint8Array, removals: Uint8Array, leaves: Uint8Array): Uint8Array {
  const at = BATCH_DOMAIN.byteLength
  batchScratch.set(replicaIdToBytes(replica), at)
  u64(batchView, at + 16, first)
  u64(batchView, at + 24, count)
  batchScratch.set(salt, at + 32)
  batchScratch.set(removals, at + 32 + SALT_BYTES)
  if (leaves.byteLength <= MAX_BATCH_SEQS * LEAF_BYTES) {
    batchScratch.set(leaves, BATCH_HEADER)
    return digestOf(batchScratch.subarray(0, BATCH_HEADER + leaves.byteLength))
  }
  return sha256.create().update(batchScratch.subarray(0, BATCH_HEADER)).update(leaves).digest()
}
