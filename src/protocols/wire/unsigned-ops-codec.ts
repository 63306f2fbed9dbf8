import { InvalidArgumentError, InvalidMessageError } from '../../store/errors.ts'
import { MAX_WRITERS_PER_MESSAGE } from '../../store/limits.ts'
import { markDecoded, type Decoded } from '../../store/validate.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { MessageType, readHeader, readReplicaTable, writeHeader, writeReplicaId } from './header.ts'
import { readOpBodies, replicaTable, writeOpBodies } from './op-bodies.ts'
import type { Op, ReplicaId } from '../../store/types.ts'

// The ops of a store with `writerKeys: false`: message type 5, the body of an ops message before
// writer keys (no batch sections, cards, signatures or tags). Grammar in ./README.md.

/** Encodes unsigned ops (see `encodeOps`, which calls this for ops in no signed batch). */
export function encodeUnsignedOps (ops: readonly Op[]): Uint8Array<ArrayBuffer> {
  const { table, index } = replicaTable()
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
  writeOpBodies(writer, ops, table, false)
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
  readOpBodies(reader, { replicaAt, within: 'message' }, ops)
  return markDecoded(ops)
}
