import { InvalidArgumentError, InvalidMessageError } from '../../store/errors.ts'
import { MAX_SEQ, MAX_WRITERS_PER_MESSAGE } from '../../store/limits.ts'
import { markDecoded, type Decoded } from '../../store/validate.ts'
import { ByteReader } from './byte-reader.ts'
import { MessageType, readHeader, WIRE_VERSION } from './header.ts'
import { replicaIdOfCard } from '../../store/writer-keys/writer-key.ts'
import { decodeUnsignedOps, encodeUnsignedOps } from './unsigned-ops-codec.ts'
import { ReplicaTable, readOpBodies, readOpsTable, replicaAt, startOpsMessage, writeOpBodies } from './op-bodies.ts'
import type { Op, SignedBatch } from '../../store/types.ts'

const CARD_BYTES = 48
const SALT_BYTES = 16
const SIGNATURE_BYTES = 64
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
  const table = new ReplicaTable()
  const batches = sections(ops)
  let payload = 0
  for (const [batch, members] of batches) {
    payload += MIN_SECTION_BYTES + 16
    for (const op of members) {
      if (op.kind === 'set') {
        table.index(op.dot.replica)
        payload += op.value.byteLength
      }
      for (let i = 0; i < op.removes.length; i++) table.index(op.removes[i].replica)
      payload += op.key.byteLength + 16 + op.removes.length * 14
    }
    // A batch of removals only names its writer through its card.
    if (!members.some((op) => op.kind === 'set')) table.index(replicaIdOfCard(batch.card))
  }
  const writer = startOpsMessage(MessageType.ops, table, payload)
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
    writeOpBodies(writer, members, table, true)
  }
  return writer.finish()
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
  const replicas = readOpsTable(reader)
  let ops: Op[] | undefined
  const count = reader.varint('section count', Math.floor(reader.remaining / MIN_SECTION_BYTES))
  for (let i = 0; i < count; i++) {
    const writerIndex = reader.varint('section writer index')
    replicaAt(replicas, writerIndex)
    const publicKey = reader.raw(32, 'writer public key').slice()
    const nonce = reader.raw(16, 'writer nonce').slice()
    const first = reader.varint('batch first seq', MAX_SEQ)
    const seqs = reader.varint('batch seq count', MAX_SEQ)
    if (first < 1) throw new InvalidMessageError('a batch starts at seq 1 or later')
    const salt = reader.raw(SALT_BYTES, 'batch salt').slice()
    const signature = reader.raw(SIGNATURE_BYTES, 'batch signature').slice()
    const batch: SignedBatch = { card: { publicKey, nonce }, first, count: seqs, salt, signature }
    const opCount = reader.varint('op count', reader.remaining)
    ops = readOpBodies(reader, { count: opCount, replicas, batch, sectionWriter: writerIndex, within: 'batch' }, ops)
  }
  reader.end()
  return markDecoded(ops ?? [])
}
