import { ClockSet, MAX_SEQ } from '../../store/clock-set.ts'
import { InvalidMessageError } from '../../store/errors.ts'
import { REPLICA_ID_BYTES } from '../../store/replica-id.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { MessageType, readHeader, readReplicaId, writeHeader, writeReplicaId } from './header.ts'
import type { DiffRequest, ReplicaSummary } from '../../store/diff.ts'

const FULL = 0x01
const HAS_HASH = 0x02
const STATE_HASH_BYTES = 12
const DIGEST_BYTES = 8
/** The smallest encoded replica summary: id, digest, and a one-byte seen range. */
const MIN_SUMMARY_BYTES = REPLICA_ID_BYTES + DIGEST_BYTES + 1

/** N when `seen` is exactly the seqs 1..N (a writer whose every write arrived), else 0. */
function contiguousMax (seen: ClockSet): number {
  const max = seen.max()
  return max != null && seen.min() === 1 && seen.size === max ? max : 0
}

export function encodeDiffRequest (request: DiffRequest): Uint8Array<ArrayBuffer> {
  const writer = new ByteWriter(32 + (request.replicas?.length ?? 0) * 64)
  writeHeader(writer, MessageType.diffRequest)
  writer.u8((request.replicas != null ? FULL : 0) | (request.stateHash != null ? HAS_HASH : 0))
  if (request.stateHash != null) writer.raw(request.stateHash)
  if (request.replicas == null) return writer.finish()
  writer.varint(request.replicas.length)
  for (const summary of request.replicas) {
    writeReplicaId(writer, summary.replica)
    writer.raw(summary.liveDigest)
    // Most writers' seen sets are one run from 1: its end is a varint, not a bitmap.
    const max = contiguousMax(summary.seen)
    writer.varint(max)
    if (max === 0) writer.raw(summary.seen.serialize())
  }
  return writer.finish()
}

export function decodeDiffRequest (bytes: Uint8Array): DiffRequest {
  if (!(bytes instanceof Uint8Array)) throw new InvalidMessageError('a diff request is a Uint8Array')
  const reader = new ByteReader(bytes)
  readHeader(reader, MessageType.diffRequest, 'diff request')
  const flags = reader.u8('request flags')
  if ((flags & ~(FULL | HAS_HASH)) !== 0 || flags === 0) throw new InvalidMessageError(`invalid request flags ${flags}`)
  const stateHash = (flags & HAS_HASH) !== 0 ? reader.raw(STATE_HASH_BYTES, 'state hash') : undefined
  if ((flags & FULL) === 0) {
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
      const max = reader.varint('seen range', MAX_SEQ)
      let seen: ClockSet
      if (max > 0) {
        seen = new ClockSet()
        seen.addRange(1, max + 1)
      } else {
        const { set, length } = ClockSet.read(reader.bytes, reader.pos)
        reader.pos += length
        seen = set
      }
      replicas.push({ replica, seen, liveDigest })
    }
    reader.end()
  } catch (err) {
    for (const summary of replicas) summary.seen.dispose()
    throw err
  }
  return { stateHash, replicas }
}
