// How a LevelStore lays its state out in a level database, and the checks every record passes
// when it is read back. One byte prefixes every key, and sorts the groups so that an open reads
// the metadata, then every writer's seen set, then the entries (whose dots it checks against
// the seen sets):
//
//   'M' "format"        → MAGIC, u8 version
//   'M' "replica"       → 16 bytes: this replica's id
//   'M' "writer"        → 80 bytes: the writer key (secret, public key, nonce) the id derives from
//   'P' replica id (16) u64 first (BE) [8 bytes of the removals digest, for a batch of removals only]
//                       → a signed batch the store keeps: public key (32), nonce (16), u32 count,
//                         salt (16), removals digest (32), signature (64), count leaves of 16,
//                         then the removals it signed where known (the evidence of the deaths
//                         they caused), 32 bytes each: replica id (16), u64 seq (LE), tag (8)
//   'M' "state"         → u64 nextSeq, u64 reserved, u64 hlc wall, u16 hlc counter,
//                         u64 keys, u64 writers, u64 batch                         (all LE)
//   'S' replica id (16) → the writer's seen set, in ClockSet's portable serialization
//   'T' u64be(2^53 − 1 − n)
//                       → entry pack n: many keys' live entries (format 4; see pack-codec.ts)
//   'V' key bytes       → the live entries at the key (siblings, usually one), formats 1 to 3:
//                         u32 count, then per entry: replica id (16), u64 seq, u64 wall,
//                         u16 counter, u32 value length, value bytes
//
// In format 2 every value but the format record's ends with a u32 CRC-32C of key and value:
// LevelDB, as classic-level opens it, checks no block checksum on reads, and a scribbled table
// was measured to serve a changed value with no error. `keys` and `writers` count the 'T' (in
// formats 2 and 3, 'V') and 'S' records, so a record that vanished is noticed too; `batch` numbers the
// batches, so that the seal a clean close leaves (see node-store-files.ts) shows when the log lost
// commits.
// Format 3 binds writers to keys; formats 1 (no checksums, a 26-byte state) and 2 are refused as
// outdated (migrate-store.ts reads them). Format 4 packs the entries: a record per key made
// reading a million-entry store cost seconds in classic-level alone. A format 3 store is read as
// it is and rewritten as format 4 at open (load-checks.ts).
//
// Live sets and digests are not stored: they are exactly the dots of the stored entries.

import { equals } from 'uint8arrays/equals'
import { ClockSet, MAX_SEQ } from '../clock-set.ts'
import { CorruptStoreError } from '../errors.ts'
import { MAX_COUNTER, MAX_WALL } from '../hlc.ts'
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../limits.ts'
import { REPLICA_ID_BYTES, replicaIdAt, replicaIdFromBytes, replicaIdToBytes } from '../replica-id.ts'
import { MAX_BATCH_REMOVALS, TAG_BYTES, type TaggedDot } from '../writer-keys/batch-digest.ts'
import type { BatchProof } from '../diff.ts'
import type { ChainEntry } from '../entry-rows.ts'
import type { Hlc, ReplicaId, WriterCard } from '../types.ts'
import { crc32c } from './crc32c.ts'
import { SeqReservation } from './seq-reservation.ts'

/** The on-disk format; an older one is migrated at open, a newer one refused. */
/** 3: writers bound to keys (a writer key record, proof records). Formats 1 and 2 are refused as outdated. 4: entries packed. */
export const FORMAT_VERSION = 4
/** The first format with writer keys: older stores are migrated, not opened. */
export const KEYED_FORMAT = 3
/** The first format with entries in packs (pack-codec.ts) rather than a record per key: a format 3 store is repacked at open. */
export const PACKED_FORMAT = 4
/** The first format with record checksums, counts and batch numbers. */
const CHECKED_FORMAT = 2
const CHECKSUM_BYTES = 4
const MAGIC = new TextEncoder().encode('roaring-mesh store')

const META = 0x4d // 'M'
const SEEN = 0x53 // 'S'
const VALUES = 0x56 // 'V'
const PACKS = 0x54 // 'T': see pack-codec.ts

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0))
export const FORMAT_KEY = Uint8Array.of(META, ...ascii('format'))
export const REPLICA_KEY = Uint8Array.of(META, ...ascii('replica'))
export const STATE_KEY = Uint8Array.of(META, ...ascii('state'))
export const WRITER_KEY = Uint8Array.of(META, ...ascii('writer'))
/** Present in a store made with `writerKeys: false`: it is reopened only that way. */
export const UNSIGNED_KEY = Uint8Array.of(META, ...ascii('unsigned'))
const PROOFS = 0x50 // 'P'
const PROOF_HEADER = 48 + 4 + 16 + 32 + 64
/** A removal kept with its batch: replica id, seq, tag. */
const REMOVAL_BYTES = REPLICA_ID_BYTES + 8 + TAG_BYTES

/** A proof's key: a batch of removals only (count 0) shares its first seq with the next batch, so its removals digest tells it apart. */
export function proofKey (replicaIdBytes: Uint8Array, proof: BatchProof): Uint8Array {
  const first = proof.first
  const out = new Uint8Array(1 + REPLICA_ID_BYTES + 8 + (proof.count === 0 ? 8 : 0))
  if (proof.count === 0) out.set(proof.removalsDigest.subarray(0, 8), 1 + REPLICA_ID_BYTES + 8)
  out[0] = PROOFS
  out.set(replicaIdBytes, 1)
  const view = viewOf(out)
  view.setUint32(1 + REPLICA_ID_BYTES, Math.floor(first / TWO_32), false)
  view.setUint32(1 + REPLICA_ID_BYTES + 4, first >>> 0, false)
  return out
}

export function encodeProof (card: WriterCard, proof: BatchProof): Uint8Array {
  const removals = proof.removals ?? []
  const out = new Uint8Array(PROOF_HEADER + proof.leaves.byteLength + removals.length * REMOVAL_BYTES)
  out.set(card.publicKey)
  out.set(card.nonce, 32)
  viewOf(out).setUint32(48, proof.count, true)
  out.set(proof.salt, 52)
  out.set(proof.removalsDigest, 68)
  out.set(proof.signature, 100)
  out.set(proof.leaves, PROOF_HEADER)
  const view = viewOf(out)
  let at = PROOF_HEADER + proof.leaves.byteLength
  for (const dot of removals) {
    out.set(replicaIdToBytes(dot.replica), at)
    view.setUint32(at + 16, dot.seq >>> 0, true)
    view.setUint32(at + 20, Math.floor(dot.seq / TWO_32), true)
    out.set(dot.tag, at + 24)
    at += REMOVAL_BYTES
  }
  return out
}

function decodeProof (key: Uint8Array, bytes: Uint8Array): StoredRecord {
  const removalOnly = key.byteLength === 1 + REPLICA_ID_BYTES + 16
  if ((key.byteLength !== 1 + REPLICA_ID_BYTES + 8 && !removalOnly) || bytes.byteLength < PROOF_HEADER) corrupt('malformed proof record')
  const keyView = viewOf(key)
  const first = keyView.getUint32(1 + REPLICA_ID_BYTES, false) * TWO_32 + keyView.getUint32(1 + REPLICA_ID_BYTES + 4, false)
  const view = viewOf(bytes)
  const count = view.getUint32(48, true)
  const leavesEnd = PROOF_HEADER + count * 16
  const removalCount = (bytes.byteLength - leavesEnd) / REMOVAL_BYTES
  if (first < 1 || first > MAX_SEQ || count > 64 || (count === 0) !== removalOnly || bytes.byteLength < leavesEnd || !Number.isInteger(removalCount) || removalCount > MAX_BATCH_REMOVALS || (removalOnly && removalCount === 0)) corrupt('proof record out of range')
  const removals: TaggedDot[] = []
  for (let at = leavesEnd; at < bytes.byteLength; at += REMOVAL_BYTES) {
    const seq = view.getUint32(at + 20, true) * TWO_32 + view.getUint32(at + 16, true)
    if (seq < 1 || seq > MAX_SEQ) corrupt('proof record out of range')
    removals.push({ replica: replicaIdAt(bytes, at), seq, tag: bytes.slice(at + 24, at + REMOVAL_BYTES) })
  }
  const proof: BatchProof = { first, count, salt: bytes.slice(52, 68), removalsDigest: bytes.slice(68, 100), signature: bytes.slice(100, PROOF_HEADER), leaves: bytes.slice(PROOF_HEADER, leavesEnd) }
  return {
    kind: 'proof',
    replica: replicaIdFromBytes(key.subarray(1, 1 + REPLICA_ID_BYTES)),
    card: { publicKey: bytes.slice(0, 32), nonce: bytes.slice(32, 48) },
    proof: removals.length === 0 ? proof : { ...proof, removals }
  }
}

const ENTRY_HEADER = REPLICA_ID_BYTES + 8 + 8 + 2 + 4
const STATE_V1_BYTES = 8 + 8 + 8 + 2
const STATE_BYTES = STATE_V1_BYTES + 8 + 8 + 8
const TWO_32 = 0x1_0000_0000

/** What survives a commit besides entries and seen sets. */
export interface StoreState {
  /** The seq the next local set takes. */
  readonly nextSeq: number
  /** Every local seq up to this one may have been handed out (see SeqReservation). */
  readonly reserved: number
  readonly clock: Hlc
  /** How many 'V' (key) and 'S' (writer) records the database holds; unknown in format 1. */
  readonly keys?: number
  readonly writers?: number
  /** The number of the batch that wrote this state; 0 in format 1. */
  readonly batch: number
}

/** An entry as read back, before it joins the store. */
export interface StoredEntry {
  readonly replica: ReplicaId
  readonly seq: number
  readonly hlc: Hlc
  readonly value: Uint8Array
}

function corrupt (why: string): never {
  throw new CorruptStoreError(`corrupt store: ${why}`)
}

/** A record's key as a person reads it in an error: which key, which writer. */
export function describeKey (key: Uint8Array): string {
  const rest = key.subarray(1)
  const text = new TextDecoder().decode(rest.subarray(0, 64))
  const shown = /^[\x20-\x7e]*$/.test(text) ? JSON.stringify(text) : `0x${[...rest.subarray(0, 32)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
  if (key[0] === VALUES) return `the entry record of key ${shown}${rest.byteLength > 64 ? '…' : ''}`
  if (key[0] === SEEN) return `the seen set of writer ${shown.slice(2)}`
  if (key[0] === PACKS) return `the entry pack ${shown}`
  if (key[0] === META) return `the metadata record ${shown}`
  return `the record ${JSON.stringify(key[0])}`
}

/** For bench/open-check-numbers.ts only, to measure what checking costs: `verify: false` skips the comparison. Never set in use. */
export const checksums = { verify: true }

/** The stored form of a record's value in the current format: the value and its checksum. */
export function sealValue (key: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(value.byteLength + CHECKSUM_BYTES)
  out.set(value)
  viewOf(out).setUint32(value.byteLength, crc32c(value, crc32c(key)), true)
  return out
}

/** The value of a stored record, its checksum checked (format 2 on); a view into `stored`. */
export function unsealValue (key: Uint8Array, stored: Uint8Array, version: number): Uint8Array {
  if (version < CHECKED_FORMAT) return stored
  if (stored.byteLength < CHECKSUM_BYTES) corrupt(`${describeKey(key)} is too short to hold its checksum`)
  const value = stored.subarray(0, stored.byteLength - CHECKSUM_BYTES)
  if (checksums.verify && viewOf(stored).getUint32(value.byteLength, true) !== crc32c(value, crc32c(key))) corrupt(`${describeKey(key)} fails its checksum`)
  return value
}

function setU64 (view: DataView, at: number, value: number): void {
  view.setUint32(at, value >>> 0, true)
  view.setUint32(at + 4, Math.floor(value / TWO_32), true)
}

function getU64 (view: DataView, at: number, max: number, what: string): number {
  const value = view.getUint32(at + 4, true) * TWO_32 + view.getUint32(at, true)
  if (value > max) corrupt(`${what} ${value} out of range`)
  return value
}

export function viewOf (bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function encodeFormat (): Uint8Array {
  return Uint8Array.of(...MAGIC, FORMAT_VERSION)
}

/** Refuses a database that is not a roaring-mesh store of this version or an older one; returns the version. */
export function checkFormat (bytes: Uint8Array | undefined): number {
  if (bytes == null) throw new CorruptStoreError('not a roaring-mesh store: the database has no format record')
  if (bytes.byteLength !== MAGIC.byteLength + 1 || MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new CorruptStoreError('not a roaring-mesh store: unknown format record')
  }
  const version = bytes[MAGIC.byteLength]
  if (version < 1 || version > FORMAT_VERSION) throw new CorruptStoreError(`roaring-mesh store format ${version} is not supported (this is ${FORMAT_VERSION})`)
  return version
}

export function decodeReplicaId (bytes: Uint8Array | undefined): ReplicaId {
  if (bytes?.byteLength !== REPLICA_ID_BYTES) corrupt('missing or malformed replica id')
  return replicaIdFromBytes(bytes)
}

export function encodeState (state: StoreState): Uint8Array {
  const out = new Uint8Array(STATE_BYTES)
  const view = viewOf(out)
  setU64(view, 0, state.nextSeq)
  setU64(view, 8, state.reserved)
  setU64(view, 16, state.clock.wall)
  view.setUint16(24, state.clock.counter, true)
  setU64(view, 26, state.keys ?? 0)
  setU64(view, 34, state.writers ?? 0)
  setU64(view, 42, state.batch)
  return out
}

/** The state record's value (checksum already checked), in the layout of `version`. */
export function decodeState (bytes: Uint8Array | undefined, version: number): StoreState {
  const expected = version < CHECKED_FORMAT ? STATE_V1_BYTES : STATE_BYTES
  if (bytes?.byteLength !== expected) corrupt('missing or malformed state record')
  const view = viewOf(bytes)
  const nextSeq = getU64(view, 0, MAX_SEQ, 'next seq')
  if (nextSeq < 1) corrupt('next seq 0')
  // A store reserves at most a chunk beyond its next seq; a larger reservation would have the
  // next open mark every seq up to it dead, a claim of the disk's we need not take on trust.
  const reserved = getU64(view, 8, Math.min(MAX_SEQ, nextSeq - 1 + SeqReservation.CHUNK), 'reserved seq')
  const common = {
    nextSeq,
    reserved,
    clock: { wall: getU64(view, 16, MAX_WALL, 'clock wall'), counter: view.getUint16(24, true) }
  }
  if (version < CHECKED_FORMAT) return { ...common, batch: 0 }
  return {
    ...common,
    keys: getU64(view, 26, Number.MAX_SAFE_INTEGER, 'key count'),
    writers: getU64(view, 34, Number.MAX_SAFE_INTEGER, 'writer count'),
    batch: getU64(view, 42, Number.MAX_SAFE_INTEGER, 'batch number')
  }
}

export function seenKey (replicaIdBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + REPLICA_ID_BYTES)
  out[0] = SEEN
  out.set(replicaIdBytes, 1)
  return out
}

/** A format 3 entry record's key: format 4 packs entries instead (pack-codec.ts). */
export function isChainKey (key: Uint8Array): boolean {
  return key[0] === VALUES
}

/** Every format 3 entry record's key, and no other record's. */
export const CHAIN_RANGE = { gte: Uint8Array.of(VALUES), lt: Uint8Array.of(VALUES + 1) }

export function chainKey (key: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + key.byteLength)
  out[0] = VALUES
  out.set(key, 1)
  return out
}

/** The bytes {@link writeChain} takes for `chain`. */
export function chainBytes (chain: readonly ChainEntry[]): number {
  let length = 4
  for (const entry of chain) length += ENTRY_HEADER + entry.value.byteLength
  return length
}

/** Writes the siblings at a key, in chain order, at `pos` of `out`; returns where they end. */
export function writeChain (out: Uint8Array, view: DataView, pos: number, chain: readonly ChainEntry[]): number {
  view.setUint32(pos, chain.length, true)
  pos += 4
  for (const entry of chain) {
    const value = entry.value
    out.set(entry.writer.idBytes, pos)
    setU64(view, pos + 16, entry.seq)
    setU64(view, pos + 24, entry.wall)
    view.setUint16(pos + 32, entry.counter, true)
    view.setUint32(pos + 34, value.byteLength, true)
    out.set(value, pos + ENTRY_HEADER)
    pos += ENTRY_HEADER + value.byteLength
  }
  return pos
}

/** The siblings at a key, in chain order. */
export function encodeChain (chain: readonly ChainEntry[]): Uint8Array {
  const out = new Uint8Array(chainBytes(chain))
  writeChain(out, viewOf(out), 0, chain)
  return out
}

export type StoredRecord =
  | { readonly kind: 'seen', readonly replica: ReplicaId, readonly seen: ClockSet }
  | { readonly kind: 'chain', readonly key: Uint8Array, readonly entries: StoredEntry[] }
  | { readonly kind: 'meta' }
  | { readonly kind: 'proof', readonly replica: ReplicaId, readonly card: WriterCard, readonly proof: BatchProof }

/**
 * Reads one record of the database, checking every byte (and, from format 2, its checksum); keys
 * and values are views into `key` and `stored`.
 */
export function decodeRecord (key: Uint8Array, stored: Uint8Array, version: number): StoredRecord {
  if (key[0] !== META && key[0] !== SEEN && key[0] !== VALUES && key[0] !== PROOFS) corrupt(`unknown record prefix ${key[0] ?? 'none'}`)
  const value = key[0] === META && equals(key, FORMAT_KEY) ? stored : unsealValue(key, stored, version)
  switch (key[0]) {
    case META:
      if (![FORMAT_KEY, REPLICA_KEY, STATE_KEY, WRITER_KEY, UNSIGNED_KEY].some((known) => equals(known, key))) corrupt('unknown metadata record')
      return { kind: 'meta' }
    case SEEN: {
      if (key.byteLength !== 1 + REPLICA_ID_BYTES) corrupt('malformed seen-set key')
      let seen: ClockSet
      try {
        seen = ClockSet.deserialize(value)
      } catch (err: any) {
        corrupt(`seen set: ${String(err.message)}`)
      }
      if (seen.has(0)) corrupt('seen set holds seq 0')
      return { kind: 'seen', replica: replicaIdFromBytes(key.subarray(1)), seen }
    }
    case PROOFS:
      return decodeProof(key, value)
    case VALUES: {
      if (key.byteLength - 1 > MAX_KEY_BYTES) corrupt('key too long')
      return { kind: 'chain', key: key.subarray(1), entries: decodeChain(value) }
    }
    default:
      corrupt(`unknown record prefix ${key[0] ?? 'none'}`)
  }
}

function decodeChain (bytes: Uint8Array): StoredEntry[] {
  if (bytes.byteLength < 4) corrupt('truncated entry record')
  const entries: StoredEntry[] = []
  const end = readChain(bytes, viewOf(bytes), 0, entries)
  if (entries.length === 0) corrupt('empty entry record')
  if (end !== bytes.byteLength) corrupt('trailing bytes after entries')
  return entries
}

/**
 * Reads the siblings written at `pos` into `entries` (none for a key whose entries all died),
 * checking every field; values are views into `bytes`. Returns where they end.
 */
export function readChain (bytes: Uint8Array, view: DataView, pos: number, entries: StoredEntry[]): number {
  if (pos + 4 > bytes.byteLength) corrupt('truncated entry record')
  const count = view.getUint32(pos, true)
  pos += 4
  for (let i = 0; i < count; i++) {
    if (pos + ENTRY_HEADER > bytes.byteLength) corrupt('truncated entry')
    const seq = getU64(view, pos + 16, MAX_SEQ, 'seq')
    if (seq < 1) corrupt('seq 0')
    const wall = getU64(view, pos + 24, MAX_WALL, 'wall')
    const counter = view.getUint16(pos + 32, true)
    const length = view.getUint32(pos + 34, true)
    if (counter > MAX_COUNTER || length > MAX_VALUE_BYTES) corrupt('entry header out of range')
    const start = pos + ENTRY_HEADER
    if (start + length > bytes.byteLength) corrupt('truncated value')
    entries.push({
      replica: replicaIdAt(bytes, pos),
      seq,
      hlc: { wall, counter },
      value: bytes.subarray(start, start + length)
    })
    pos = start + length
  }
  return pos
}
