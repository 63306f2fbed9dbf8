import { InvalidArgumentError, InvalidMessageError } from '../../store/errors.ts'
import { MAX_COUNTER } from '../../store/hlc.ts'
import { MAX_KEY_BYTES, MAX_SEQ, MAX_VALUE_BYTES, MAX_WRITERS_PER_MESSAGE } from '../../store/limits.ts'
import { markDecoded, type Decoded } from '../../store/validate.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { MessageType, readHeader, readReplicaTable, WIRE_VERSION, writeHeader, writeReplicaId } from './header.ts'
import { replicaIdOfCard } from '../../store/writer-keys/writer-key.ts'
import { decodeUnsignedOps, encodeUnsignedOps } from './unsigned-ops-codec.ts'
import type { Dot, Hlc, Op, ReplicaId, SignedBatch } from '../../store/types.ts'

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

const CARD_BYTES = 48
const SALT_BYTES = 16
const SIGNATURE_BYTES = 64
const TAG_BYTES = 8
/** Smallest section: writer index, card, first, count, salt, signature, op count. */
const MIN_SECTION_BYTES = 1 + CARD_BYTES + 2 + SALT_BYTES + SIGNATURE_BYTES + 1

/** Ops grouped by the signed batch each belongs to, batches in order of first appearance. */
function sections (ops: readonly Op[]): Map<SignedBatch, Op[]> {
  const out = new Map<SignedBatch, Op[]>()
  for (const op of ops) {
    // A delete that removes nothing changes nothing anywhere: it needs no signature, and is not sent.
    if (op.batch == null && op.removes.length === 0 && op.kind === 'delete') continue
    if (op.batch == null) throw new InvalidArgumentError('ops of a signed batch and ops of none (a store with writerKeys: false) cannot share a message')
    let list = out.get(op.batch)
    if (list == null) {
      list = []
      out.set(op.batch, list)
    }
    // The same op twice (a batch delivered again) is one op of its batch.
    if (!list.includes(op)) list.push(op)
  }
  return out
}

/**
 * Encodes ops as one message: each signed batch they belong to as a section (the writer's card,
 * the batch's signature, its ops), replica ids once, dots as indices, seqs and clocks as deltas.
 * Every op must come from a store (the 'ops' event, commitWithOps) or a decoder. Ops in no
 * signed batch at all (a store with `writerKeys: false`) are encoded as an unsigned ops message
 * (type 5), which only such stores take; signed and unsigned ops never share one. A message names at most {@link MAX_WRITERS_PER_MESSAGE}
 * writers. A message up to 2 KiB is a view into a buffer shared with other messages (as Node.js
 * Buffers from its pool): copy it with `slice()` before transferring its `buffer` to a worker.
 */
export function encodeOps (ops: readonly Op[]): Uint8Array<ArrayBuffer> {
  if (!ops.some((op) => op.batch != null)) return encodeUnsignedOps(ops)
  const table = new Map<ReplicaId, number>()
  const index = (id: ReplicaId): number => {
    let i = table.get(id)
    if (i == null) {
      i = table.size
      table.set(id, i)
    }
    return i
  }
  const batches = sections(ops)
  let payload = 0
  for (const [batch, members] of batches) {
    payload += MIN_SECTION_BYTES + 16
    for (const op of members) {
      if (op.kind === 'set') {
        index(op.dot.replica)
        payload += op.value.byteLength
      }
      for (const dot of op.removes) index(dot.replica)
      payload += op.key.byteLength + 16 + op.removes.length * 14
    }
    // A batch of removals only names its writer through its card.
    if (!members.some((op) => op.kind === 'set')) index(replicaIdOfCard(batch.card))
  }
  if (table.size > MAX_WRITERS_PER_MESSAGE) throw new InvalidArgumentError(`ops naming ${table.size} writers: one message names at most ${MAX_WRITERS_PER_MESSAGE}`)
  const writer = new ByteWriter(payload + 4 + table.size * 16)
  writeHeader(writer, MessageType.ops)
  writer.varint(table.size)
  for (const id of table.keys()) writeReplicaId(writer, id)
  writer.varint(batches.size)
  for (const [batch, members] of batches) {
    const set = members.find((op) => op.kind === 'set')
    writer.varint(table.get(set?.kind === 'set' ? set.dot.replica : replicaIdOfCard(batch.card))!)
    writer.raw(batch.card.publicKey)
    writer.raw(batch.card.nonce)
    writer.varint(batch.first)
    writer.varint(batch.count)
    writer.raw(batch.salt)
    writer.raw(batch.signature)
    writer.varint(members.length)
    writeOps(writer, members, table)
  }
  return writer.finish()
}

function writeOps (writer: ByteWriter, ops: readonly Op[], table: Map<ReplicaId, number>): void {
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
        if (dot.tag?.byteLength !== TAG_BYTES) throw new InvalidArgumentError(`a removal of ${dot.replica}:${dot.seq} without its ${TAG_BYTES}-byte tag`)
        writer.raw(dot.tag)
      }
    }
  }
}

/**
 * Decodes and fully validates an ops message, signed (type 1) or unsigned (type 5: its ops carry
 * no batch); throws {@link InvalidMessageError} on anything else.
 * Keys and values are views into `bytes` (integrating copies them): leave `bytes` unchanged while
 * you use the ops. Signatures are checked where the ops are integrated, not here.
 */
export function decodeOps (bytes: Uint8Array): Decoded<Op[]> {
  if (!(bytes instanceof Uint8Array)) throw new InvalidMessageError('an ops message is a Uint8Array')
  if (bytes[0] === WIRE_VERSION && bytes[1] === MessageType.unsignedOps) return decodeUnsignedOps(bytes)
  const reader = new ByteReader(bytes)
  readHeader(reader, MessageType.ops, 'ops message')
  const replicas = readReplicaTable(reader, MAX_WRITERS_PER_MESSAGE)
  const replicaAt = (i: number): ReplicaId => {
    if (i >= replicas.length) throw new InvalidMessageError(`replica index ${i} outside a table of ${replicas.length}`)
    return replicas[i]
  }
  const ops: Op[] = []
  const count = reader.varint('section count', Math.floor(reader.remaining / MIN_SECTION_BYTES))
  for (let i = 0; i < count; i++) {
    const writerIndex = reader.varint('section writer index')
    replicaAt(writerIndex)
    const publicKey = reader.raw(32, 'writer public key').slice()
    const nonce = reader.raw(16, 'writer nonce').slice()
    const first = reader.varint('batch first seq', MAX_SEQ)
    const seqs = reader.varint('batch seq count', MAX_SEQ)
    if (first < 1) throw new InvalidMessageError('a batch starts at seq 1 or later')
    const salt = reader.raw(SALT_BYTES, 'batch salt').slice()
    const signature = reader.raw(SIGNATURE_BYTES, 'batch signature').slice()
    const batch: SignedBatch = { card: { publicKey, nonce }, first, count: seqs, salt, signature }
    const opCount = reader.varint('op count', reader.remaining)
    readOps(reader, opCount, writerIndex, replicaAt, batch, ops)
  }
  reader.end()
  return markDecoded(ops)
}

function readOps (reader: ByteReader, count: number, sectionWriter: number, replicaAt: (i: number) => ReplicaId, batch: SignedBatch, ops: Op[]): void {
  let previousSeq = 0
  let previousHlc: Hlc | undefined
  for (let n = 0; n < count; n++) {
    const flags = reader.u8('op flags')
    const isSet = (flags & SET) !== 0
    if (!isSet && (flags & ~HAS_REMOVES) !== 0) throw new InvalidMessageError(`invalid delete flags ${flags}`)
    let writer = flags >>> WRITER_SHIFT
    if (isSet && writer === WRITER_ESCAPE) writer += reader.varint('writer index')
    if (isSet && writer !== sectionWriter) throw new InvalidMessageError('a set in a batch of another writer')
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
      if (previousHlc == null) throw new InvalidMessageError('the first set of a batch must carry its hlc')
      hlc = previousHlc
    }
    let removes: readonly Dot[] = NO_REMOVES
    if ((flags & HAS_REMOVES) !== 0) {
      const dots: Dot[] = []
      const removeCount = reader.varint('remove count', Math.floor(reader.remaining / (2 + TAG_BYTES)))
      if (removeCount === 0) throw new InvalidMessageError('an empty remove list must be left out')
      for (let i = 0; i < removeCount; i++) {
        const replica = replicaAt(reader.varint('remove replica index'))
        const seq = reader.varint('remove seq', MAX_SEQ)
        if (seq < 1) throw new InvalidMessageError('invalid removed seq 0')
        dots.push({ replica, seq, tag: reader.raw(TAG_BYTES, 'removal tag').slice() })
      }
      removes = dots
    }
    ops.push(isSet ? { kind: 'set', key, value: value!, dot: dot!, hlc: hlc!, removes, batch } : { kind: 'delete', key, removes, batch })
  }
}
