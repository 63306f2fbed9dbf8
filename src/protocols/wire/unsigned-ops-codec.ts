import { markDecoded, type Decoded } from '../../store/validate.ts'
import { ByteReader } from './byte-reader.ts'
import { MessageType, readHeader } from './header.ts'
import { readOpBodies, readOpsTable, replicaTable, startOpsMessage, writeOpBodies } from './op-bodies.ts'
import type { Op } from '../../store/types.ts'

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
  const writer = startOpsMessage(MessageType.unsignedOps, table, payload)
  writeOpBodies(writer, ops, table, false)
  return writer.finish()
}

/** Decodes an unsigned ops message (type 5; `decodeOps` calls this for one). */
export function decodeUnsignedOps (bytes: Uint8Array): Decoded<Op[]> {
  const reader = new ByteReader(bytes)
  readHeader(reader, MessageType.unsignedOps, 'unsigned ops message')
  const replicaAt = readOpsTable(reader)
  const ops: Op[] = []
  readOpBodies(reader, { replicaAt, within: 'message' }, ops)
  return markDecoded(ops)
}
