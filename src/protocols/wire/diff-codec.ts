import { ClockSet, MAX_SEQ } from '../../store/clock-set.ts'
import { InvalidMessageError } from '../../store/errors.ts'
import { MAX_COUNTER } from '../../store/hlc.ts'
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../../store/limits.ts'
import { REPLICA_ID_BYTES } from '../../store/replica-id.ts'
import { markDecoded } from '../../store/validate.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter, unzigzag, zigzag } from './byte-writer.ts'
import { MessageType, readHeader, readReplicaId, writeHeader, writeReplicaId } from './header.ts'
import type { Diff, DiffEntry, DiffGroup } from '../../store/diff.ts'
import type { Hlc } from '../../store/types.ts'

const NEEDS_FULL_REQUEST = 0x01
/** Smallest entry: seq, empty key, empty value, hlc tag. */
const MIN_ENTRY_BYTES = 4
const MIN_GROUP_BYTES = REPLICA_ID_BYTES + 2

/**
 * Encodes a diff or one frame of it. Within a group seqs ascend, so seqs and clocks go as small
 * deltas. A message up to 2 KiB shares its `buffer` with others, as {@link encodeOps} explains.
 */
export function encodeDiff (diff: Diff): Uint8Array<ArrayBuffer> {
  let payload = 8
  for (const group of diff.groups) {
    payload += 24
    for (const entry of group.entries) payload += entry.key.byteLength + entry.value.byteLength + 8
  }
  const writer = new ByteWriter(payload)
  writeHeader(writer, MessageType.diff)
  writer.u8(diff.needsFullRequest ? NEEDS_FULL_REQUEST : 0)
  writer.varint(diff.groups.length)
  for (const group of diff.groups) {
    writeReplicaId(writer, group.replica)
    writer.varint(group.entries.length)
    let previousSeq = 0
    let previous: Hlc = { wall: 0, counter: 0 }
    for (const entry of group.entries) {
      if (entry.seq <= previousSeq) throw new InvalidMessageError('diff entries must ascend by seq within a group')
      writer.varint(entry.seq - previousSeq - 1)
      previousSeq = entry.seq
      writer.bytes(entry.key)
      writer.bytes(entry.value)
      if (entry.hlc.wall === previous.wall && entry.hlc.counter === previous.counter) {
        writer.u8(0)
      } else {
        writer.varint(zigzag(entry.hlc.wall - previous.wall) + 1)
        writer.varint(entry.hlc.counter)
        previous = entry.hlc
      }
    }
    if (group.deaths == null || group.deaths.isEmpty) {
      writer.u8(0)
    } else {
      writer.u8(1)
      writer.raw(group.deaths.serialize())
    }
  }
  return writer.finish()
}

function readGroup (reader: ByteReader): DiffGroup {
  const replica = readReplicaId(reader)
  const count = reader.varint('entry count', Math.floor(reader.remaining / MIN_ENTRY_BYTES))
  const entries: DiffEntry[] = []
  let seq = 0
  let hlc: Hlc = { wall: 0, counter: 0 }
  for (let i = 0; i < count; i++) {
    seq += reader.varint('seq delta') + 1
    if (seq > MAX_SEQ) throw new InvalidMessageError(`seq ${seq} beyond 2^53`)
    const key = reader.bytesField('key', MAX_KEY_BYTES)
    const value = reader.bytesField('value', MAX_VALUE_BYTES)
    const tag = reader.varint('hlc tag')
    if (tag !== 0) {
      const wall = hlc.wall + unzigzag(tag - 1)
      if (wall < 0 || wall > 2 ** 48 - 1) throw new InvalidMessageError(`hlc wall ${wall} out of range`)
      hlc = { wall, counter: reader.varint('hlc counter', MAX_COUNTER) }
    }
    entries.push({ key, value, seq, hlc })
  }
  const hasDeaths = reader.u8('deaths flag')
  if (hasDeaths > 1) throw new InvalidMessageError(`invalid deaths flag ${hasDeaths}`)
  if (hasDeaths === 0) return { replica, entries }
  const { set, length } = ClockSet.read(reader.bytes, reader.pos)
  reader.pos += length
  if (set.isEmpty || set.min()! < 1) {
    set.dispose()
    throw new InvalidMessageError('deaths must be non-empty seqs from 1')
  }
  return { replica, entries, deaths: set }
}

/**
 * Decodes and fully validates a diff (or frame); throws {@link InvalidMessageError} on anything
 * else. Keys and values are views into `bytes`, as with {@link decodeOps}.
 */
export function decodeDiff (bytes: Uint8Array): Diff {
  if (!(bytes instanceof Uint8Array)) throw new InvalidMessageError('a diff is a Uint8Array')
  const reader = new ByteReader(bytes)
  readHeader(reader, MessageType.diff, 'diff')
  const flags = reader.u8('diff flags')
  if ((flags & ~NEEDS_FULL_REQUEST) !== 0) throw new InvalidMessageError(`invalid diff flags ${flags}`)
  const count = reader.varint('group count', Math.floor(reader.remaining / MIN_GROUP_BYTES))
  const groups: DiffGroup[] = []
  const distinct = new Set<string>()
  try {
    for (let i = 0; i < count; i++) {
      const group = readGroup(reader)
      groups.push(group)
      if (distinct.has(group.replica)) throw new InvalidMessageError(`replica ${group.replica} appears twice in a diff`)
      distinct.add(group.replica)
    }
    reader.end()
  } catch (err) {
    for (const group of groups) group.deaths?.dispose()
    throw err
  }
  return markDecoded({ needsFullRequest: flags === NEEDS_FULL_REQUEST, groups })
}
