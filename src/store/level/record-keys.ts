// How a LevelStore lays its state out in a level database: the keys of its records. One byte
// prefixes every key, and sorts the groups so that an open reads the metadata, then every
// writer's seen set, then the entries (whose dots it checks against the seen sets):
//
//   'M' "format"        → MAGIC, u8 version
//   'M' "replica"       → 16 bytes: this replica's id
//   'M' "writer"        → 80 bytes: the writer key (secret, public key, nonce) the id derives from
//   'P' replica id (16) u64 first (BE) [8 bytes of the removals digest, for a batch of removals only]
//                       → a signed batch the store keeps (proof-record.ts)
//   'M' "state"         → the store's state (state-record.ts)
//   'S' replica id (16) → the writer's seen set, in ClockSet's portable serialization
//   'T' u64be(2^53 − 1 − n)
//                       → entry pack n: many keys' live entries (format 4; see pack-codec.ts)
//   'V' key bytes       → the live entries at the key (siblings, usually one), formats 1 to 3
//                         (chain-record.ts)
//
// What each format adds, and the checksum every value carries, are in record-codec.ts. Live sets
// and digests are not stored: they are exactly the dots of the stored entries.

import { REPLICA_ID_BYTES } from '../replica-id.ts'
import type { BatchProof } from '../diff.ts'
import { TWO_32, viewOf } from './record-fields.ts'

export const META = 0x4d // 'M'
export const SEEN = 0x53 // 'S'
export const VALUES = 0x56 // 'V'
const PACKS = 0x54 // 'T': see pack-codec.ts
export const PROOFS = 0x50 // 'P'

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0))
export const FORMAT_KEY = Uint8Array.of(META, ...ascii('format'))
export const REPLICA_KEY = Uint8Array.of(META, ...ascii('replica'))
export const STATE_KEY = Uint8Array.of(META, ...ascii('state'))
export const WRITER_KEY = Uint8Array.of(META, ...ascii('writer'))
/** Present in a store made with `writerKeys: false`: it is reopened only that way. */
export const UNSIGNED_KEY = Uint8Array.of(META, ...ascii('unsigned'))

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
