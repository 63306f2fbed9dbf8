import { markDecoded, type Decoded } from '../../store/validate.ts'
import { ByteReader } from './byte-reader.ts'
import { MessageType, readHeader } from './header.ts'
import { ReplicaTable, readOpBodies, readOpsTable, startOpsMessage, writeOpBodies } from './op-bodies.ts'
import type { Op } from '../../store/types.ts'

// The ops of a store with `writerKeys: false`: message type 5, the body of an ops message before
// writer keys (no batch sections, cards, signatures or tags). Grammar in ./README.md.

/** Encodes unsigned ops (see `encodeOps`, which calls this for ops in no signed batch). */
export function encodeUnsignedOps (ops: readonly Op[]): Uint8Array<ArrayBuffer> {
  const table = new ReplicaTable()
  let payload = 0
  for (const op of ops) {
    if (op.kind === 'set') {
      table.index(op.dot.replica)
      payload += op.value.byteLength
    }
    // Indexed: most ops share one frozen empty list, which V8 iterates by `for…of` 10× slower.
    for (let i = 0; i < op.removes.length; i++) table.index(op.removes[i].replica)
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
  const replicas = readOpsTable(reader)
  return markDecoded(readOpBodies(reader, { replicas, within: 'message' }))
}
