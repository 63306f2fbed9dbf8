import { ClockSet } from '../../store/clock-set.ts'
import { InvalidMessageError } from '../../store/errors.ts'
import { REPLICA_ID_BYTES } from '../../store/replica-id.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { MessageType, readHeader, readReplicaId, writeHeader, writeReplicaId } from './header.ts'
import type { DiffRequest, ReplicaSummary } from '../../store/diff.ts'

const FULL = 0x01
const STATE_HASH_BYTES = 16
const DIGEST_BYTES = 8
/** The smallest encoded replica summary: id, digest, and an empty clock set. */
const MIN_SUMMARY_BYTES = REPLICA_ID_BYTES + DIGEST_BYTES + 8

export function encodeDiffRequest (request: DiffRequest): Uint8Array<ArrayBuffer> {
  const writer = new ByteWriter(32 + (request.replicas?.length ?? 0) * 64)
  writeHeader(writer, MessageType.diffRequest)
  writer.raw(request.stateHash)
  if (request.replicas == null) {
    writer.u8(0)
    return writer.finish()
  }
  writer.u8(FULL)
  writer.varint(request.replicas.length)
  for (const summary of request.replicas) {
    writeReplicaId(writer, summary.replica)
    writer.raw(summary.liveDigest)
    writer.raw(summary.seen.serialize())
  }
  return writer.finish()
}

export function decodeDiffRequest (bytes: Uint8Array): DiffRequest {
  if (!(bytes instanceof Uint8Array)) throw new InvalidMessageError('a diff request is a Uint8Array')
  const reader = new ByteReader(bytes)
  readHeader(reader, MessageType.diffRequest, 'diff request')
  const stateHash = reader.raw(STATE_HASH_BYTES, 'state hash')
  const flags = reader.u8('request flags')
  if ((flags & ~FULL) !== 0) throw new InvalidMessageError(`invalid request flags ${flags}`)
  if (flags === 0) {
    reader.end()
    return { stateHash }
  }
  const count = reader.varint('replica count', Math.floor(reader.remaining / MIN_SUMMARY_BYTES))
  const replicas: ReplicaSummary[] = []
  const distinct = new Set<string>()
  try {
    for (let i = 0; i < count; i++) {
      const replica = readReplicaId(reader)
      if (distinct.has(replica)) throw new InvalidMessageError(`replica ${replica} appears twice in a diff request`)
      distinct.add(replica)
      const liveDigest = reader.raw(DIGEST_BYTES, 'live digest')
      const { set, length } = ClockSet.read(reader.bytes, reader.pos)
      reader.pos += length
      replicas.push({ replica, seen: set, liveDigest })
    }
    reader.end()
  } catch (err) {
    for (const summary of replicas) summary.seen.dispose()
    throw err
  }
  return { stateHash, replicas }
}
