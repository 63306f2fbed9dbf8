// The format of a LevelStore's database, the checksum every record carries, and the checks every
// record passes when it is read back. The keys are laid out in record-keys.ts; the values in
// chain-record.ts ('V'), proof-record.ts ('P'), state-record.ts ('M' "state") and pack-codec.ts
// ('T').
//
// In format 2 every value but the format record's ends with a u32 CRC-32C of key and value:
// LevelDB, as classic-level opens it, checks no block checksum on reads, and a scribbled table
// was measured to serve a changed value with no error. The state record counts the records and
// numbers the batches (state-record.ts), so a record that vanished, or commits the log lost, are
// noticed too.
// Format 3 binds writers to keys; formats 1 (no checksums, a 26-byte state) and 2 are refused as
// outdated (migrate-store.ts reads them). Format 4 packs the entries: a record per key made
// reading a million-entry store cost seconds in classic-level alone. A format 3 store is read as
// it is and rewritten as format 4 at open (load-checks.ts).

import { equals } from 'uint8arrays/equals'
import { ClockSet } from '../clock-set.ts'
import { CorruptStoreError } from '../errors.ts'
import { MAX_KEY_BYTES } from '../limits.ts'
import { REPLICA_ID_BYTES, replicaIdFromBytes } from '../replica-id.ts'
import type { ReplicaId } from '../types.ts'
import { decodeChain, type StoredEntry } from './chain-record.ts'
import { crc32c } from './crc32c.ts'
import { decodeProof, type StoredProof } from './proof-record.ts'
import { corrupt, viewOf } from './record-fields.ts'
import { FORMAT_KEY, META, PROOFS, REPLICA_KEY, SEEN, STATE_KEY, UNSIGNED_KEY, VALUES, WRITER_KEY, describeKey } from './record-keys.ts'

/** The on-disk format; an older one is migrated at open, a newer one refused. */
/** 3: writers bound to keys (a writer key record, proof records). Formats 1 and 2 are refused as outdated. 4: entries packed. */
export const FORMAT_VERSION = 4
/** The first format with writer keys: older stores are migrated, not opened. */
export const KEYED_FORMAT = 3
/** The first format with entries in packs (pack-codec.ts) rather than a record per key: a format 3 store is repacked at open. */
export const PACKED_FORMAT = 4
/** The first format with record checksums, counts and batch numbers. */
export const CHECKED_FORMAT = 2
const CHECKSUM_BYTES = 4
const MAGIC = new TextEncoder().encode('roaring-mesh store')

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

export type StoredRecord =
  | { readonly kind: 'seen', readonly replica: ReplicaId, readonly seen: ClockSet }
  | { readonly kind: 'chain', readonly key: Uint8Array, readonly entries: StoredEntry[] }
  | { readonly kind: 'meta' }
  | StoredProof

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
