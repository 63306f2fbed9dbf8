import { InvalidArgumentError, InvalidMessageError } from '../../store/errors.ts'
import { MAX_COUNTER } from '../../store/hlc.ts'
import { MAX_KEY_BYTES, MAX_SEQ, MAX_VALUE_BYTES, MAX_WRITERS_PER_MESSAGE } from '../../store/limits.ts'
import { markDecoded, type Decoded } from '../../store/validate.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { MessageType, readHeader, readReplicaTable, writeHeader, writeReplicaId } from './header.ts'
import type { Dot, Hlc, Op, ReplicaId } from '../../store/types.ts'

// The ops of a store with `writerKeys: false`: message type 5, the body of an ops message before
// writer keys (no batch sections, cards, signatures or tags). Grammar in ./README.md.

// Grammar in ./README.md. Flags of an op:
const SET = 0x01
const HAS_REMOVES = 0x02
const NEW_HLC = 0x04
const HAS_COUNTER = 0x08
/** The seq is the previous set's plus one (a transaction's dots are contiguous): no seq field. */
const SEQ_NEXT = 0x10
const WRITER_SHIFT = 5
const WRITER_ESCAPE = 7

/** An op that removes nothing (most sets) shares this frozen list. */
const NO_REMOVES: readonly Dot[] = Object.freeze([])

/** Encodes unsigned ops (see `encodeOps`, which calls this for ops in no signed batch). */
export function encodeUnsignedOps (ops: readonly Op[]): Uint8Array<ArrayBuffer> {
  const table = new Map<ReplicaId, number>()
  const index = (id: ReplicaId): number => {
    let i = table.get(id)
    if (i == null) {
      i = table.size
      table.set(id, i)
    }
    return i
  }
  let payload = 0
  for (const op of ops) {
    if (op.kind === 'set') {
      index(op.dot.replica)
      payload += op.value.byteLength
    }
    for (const dot of op.removes) index(dot.replica)
    payload += op.key.byteLength + 16 + op.removes.length * 6
  }
  if (table.size > MAX_WRITERS_PER_MESSAGE) throw new InvalidArgumentError(`ops naming ${table.size} writers: one message names at most ${MAX_WRITERS_PER_MESSAGE}`)
  const writer = new ByteWriter(payload + 4 + table.size * 16)
  writeHeader(writer, MessageType.unsignedOps)
  writer.varint(table.size)
  for (const id of table.keys()) writeReplicaId(writer, id)
  let previousSeq = 0
  let previousHlc: Hlc | undefined
  for (const op of ops) {
    let flags = op.removes.length > 0 ? HAS_REMOVES : 0
    let writer_ = 0
    const newHlc = op.kind === 'set' && (previousHlc == null || previousHlc.wall !== op.hlc.wall || previousHlc.counter !== op.hlc.counter)
    if (op.kind === 'set') {
      writer_ = table.get(op.dot.replica)!
      flags |= SET | (Math.min(writer_, WRITER_ESCAPE) << WRITER_SHIFT)
      if (newHlc) flags |= NEW_HLC | (op.hlc.counter !== 0 ? HAS_COUNTER : 0)
      if (op.dot.seq === previousSeq + 1) flags |= SEQ_NEXT
    }
    writer.u8(flags)
    if (op.kind === 'set' && writer_ >= WRITER_ESCAPE) writer.varint(writer_ - WRITER_ESCAPE)
    writer.bytes(op.key)
    if (op.kind === 'set') {
      writer.bytes(op.value)
      if ((flags & SEQ_NEXT) === 0) writer.varint(op.dot.seq)
      previousSeq = op.dot.seq
      if (newHlc) {
        writer.u48(op.hlc.wall)
        if (op.hlc.counter !== 0) writer.varint(op.hlc.counter)
        previousHlc = op.hlc
      }
    }
    if (op.removes.length > 0) {
      writer.varint(op.removes.length)
      for (const dot of op.removes) {
        writer.varint(table.get(dot.replica)!)
        writer.varint(dot.seq)
      }
    }
  }
  return writer.finish()
}

/** Decodes an unsigned ops message (type 5; `decodeOps` calls this for one). */
export function decodeUnsignedOps (bytes: Uint8Array): Decoded<Op[]> {
  const reader = new ByteReader(bytes)
  readHeader(reader, MessageType.unsignedOps, 'unsigned ops message')
  const replicas = readReplicaTable(reader, MAX_WRITERS_PER_MESSAGE)
  const replicaAt = (i: number): ReplicaId => {
    if (i >= replicas.length) throw new InvalidMessageError(`replica index ${i} outside a table of ${replicas.length}`)
    return replicas[i]
  }
  const ops: Op[] = []
  let previousSeq = 0
  let previousHlc: Hlc | undefined
  while (reader.remaining > 0) {
    const flags = reader.u8('op flags')
    const isSet = (flags & SET) !== 0
    if (!isSet && (flags & ~HAS_REMOVES) !== 0) throw new InvalidMessageError(`invalid delete flags ${flags}`)
    let writer = flags >>> WRITER_SHIFT
    if (isSet && writer === WRITER_ESCAPE) writer += reader.varint('writer index')
    const key = reader.bytesField('key', MAX_KEY_BYTES)
    let value: Uint8Array | undefined
    let dot: Dot | undefined
    let hlc: Hlc | undefined
    if (isSet) {
      value = reader.bytesField('value', MAX_VALUE_BYTES)
      const seq = (flags & SEQ_NEXT) !== 0 ? previousSeq + 1 : reader.varint('seq', MAX_SEQ)
      if (seq < 1 || seq > MAX_SEQ) throw new InvalidMessageError(`invalid seq ${seq}`)
      previousSeq = seq
      dot = { replica: replicaAt(writer), seq }
      if ((flags & NEW_HLC) !== 0) {
        const wall = reader.u48('hlc wall')
        const counter = (flags & HAS_COUNTER) !== 0 ? reader.varint('hlc counter', MAX_COUNTER) : 0
        previousHlc = { wall, counter }
      } else if ((flags & HAS_COUNTER) !== 0) {
        throw new InvalidMessageError('an hlc counter without an hlc')
      }
      if (previousHlc == null) throw new InvalidMessageError('the first set of a message must carry its hlc')
      hlc = previousHlc
    }
    let removes: readonly Dot[] = NO_REMOVES
    if ((flags & HAS_REMOVES) !== 0) {
      const dots: Dot[] = []
      const count = reader.varint('remove count', Math.floor(reader.remaining / 2))
      if (count === 0) throw new InvalidMessageError('an empty remove list must be left out')
      for (let i = 0; i < count; i++) {
        const replica = replicaAt(reader.varint('remove replica index'))
        const seq = reader.varint('remove seq', MAX_SEQ)
        if (seq < 1) throw new InvalidMessageError('invalid removed seq 0')
        dots.push({ replica, seq })
      }
      removes = dots
    }
    ops.push(isSet ? { kind: 'set', key, value: value!, dot: dot!, hlc: hlc!, removes } : { kind: 'delete', key, removes })
  }
  return markDecoded(ops)
}
