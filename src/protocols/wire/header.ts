import { InvalidMessageError, UnsupportedVersionError } from '../../store/errors.ts'
import { replicaIdAt, replicaIdToBytes, REPLICA_ID_BYTES } from '../../store/replica-id.ts'
import type { ByteReader } from './byte-reader.ts'
import type { ByteWriter } from './byte-writer.ts'
import type { ReplicaId } from '../../store/types.ts'

/** The format version every message starts with. A new format is a new version, never a silent change. */
export const WIRE_VERSION = 3

export const MessageType = {
  ops: 1,
  diffRequest: 2,
  diff: 3,
  announcement: 4,
  /** Ops of a store with `writerKeys: false`. */
  unsignedOps: 5
} as const

export function writeHeader (writer: ByteWriter, type: number): void {
  writer.u8(WIRE_VERSION)
  writer.u8(type)
}

export function readHeader (reader: ByteReader, type: number, what: string): void {
  const version = reader.u8('version')
  if (version !== WIRE_VERSION) throw new UnsupportedVersionError(version, what)
  const actual = reader.u8('message type')
  if (actual !== type) throw new InvalidMessageError(`expected a ${what} (type ${type}), got type ${actual}`)
}

// Hex ids are parsed back to bytes for every message sent; the few writers a mesh has are cached.
const idBytesCache = new Map<ReplicaId, Uint8Array>()

export function writeReplicaId (writer: ByteWriter, id: ReplicaId): void {
  let bytes = idBytesCache.get(id)
  if (bytes == null) {
    if (idBytesCache.size >= 4096) idBytesCache.clear()
    bytes = replicaIdToBytes(id)
    idBytesCache.set(id, bytes)
  }
  writer.raw(bytes)
}

export function readReplicaId (reader: ByteReader): ReplicaId {
  const at = reader.pos
  reader.skip(REPLICA_ID_BYTES, 'replica id')
  return replicaIdAt(reader.bytes, at)
}

/** Whether `id` is among the first `count` of `ids`. */
function seenBefore (ids: readonly ReplicaId[], count: number, id: ReplicaId): boolean {
  for (let i = 0; i < count; i++) if (ids[i] === id) return true
  return false
}

/**
 * A table of distinct replica ids, written once per message and referenced by index. Its size is
 * checked against `maxCount` before any id is read.
 */
export function readReplicaTable (reader: ByteReader, maxCount: number): ReplicaId[] {
  const count = reader.varint('replica count', Math.min(maxCount, Math.floor(reader.remaining / REPLICA_ID_BYTES)))
  // Made at its size: pushed onto from empty, an array takes room for 17.
  const ids: ReplicaId[] = new Array(count)
  // Most tables hold one or two writers, where a scan beats a Set; a long one gets a Set, so
  // that checking it stays linear in its length.
  const distinct = count > 8 ? new Set<ReplicaId>() : undefined
  for (let i = 0; i < count; i++) {
    const id = readReplicaId(reader)
    if (distinct != null ? distinct.has(id) : seenBefore(ids, i, id)) throw new InvalidMessageError(`replica ${id} appears twice in the replica table`)
    distinct?.add(id)
    ids[i] = id
  }
  return ids
}
