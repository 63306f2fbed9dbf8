import { MAX_SEQ } from '../../store/clock-set.ts'
import { LEAF_BYTES, MAX_BATCH_REMOVALS, MAX_BATCH_SEQS, TAG_BYTES } from '../../store/writer-keys/batch-digest.ts'
import { InvalidMessageError } from '../../store/errors.ts'
import { readReplicaId, readReplicaTable, writeReplicaId } from './header.ts'
import type { ByteReader } from './byte-reader.ts'
import type { ByteWriter } from './byte-writer.ts'
import type { EvidenceRemoval, RemovalEvidence } from '../../store/diff.ts'
import type { ReplicaId } from '../../store/types.ts'

// A diff's evidence section: members' signed batches of removals, the causes of the deaths the
// frame brings (grammar: src/protocols/wire/README.md, "Evidence of deaths").

const WHOLE = 0x01
/** Flags, remover, first, count, table and removal counts. */
const MIN_BATCH_BYTES = 1 + 16 + 4

/** Bytes a batch of evidence takes on the wire (an upper bound), for a builder that splits frames. */
export function evidenceBytes (evidence: RemovalEvidence): number {
  let bytes = MIN_BATCH_BYTES + 16 + 2 * 8
  if (evidence.whole != null) bytes += 48 + 16 + 64 + evidence.whole.leaves.byteLength
  for (const removal of evidence.removals) bytes += 16 / 4 + 8 + (removal.tag != null ? TAG_BYTES : 0)
  return bytes
}

export function writeEvidence (writer: ByteWriter, evidence: readonly RemovalEvidence[]): void {
  writer.varint(evidence.length)
  for (const batch of evidence) {
    writer.u8(batch.whole != null ? WHOLE : 0)
    writeReplicaId(writer, batch.remover)
    writer.varint(batch.first)
    writer.varint(batch.count)
    if (batch.whole != null) {
      writer.raw(batch.whole.card.publicKey)
      writer.raw(batch.whole.card.nonce)
      writer.raw(batch.whole.salt)
      writer.raw(batch.whole.signature)
      writer.raw(batch.whole.leaves)
    }
    const table = new Map<ReplicaId, number>()
    for (const removal of batch.removals) if (!table.has(removal.replica)) table.set(removal.replica, table.size)
    writer.varint(table.size)
    for (const id of table.keys()) writeReplicaId(writer, id)
    writer.varint(batch.removals.length)
    for (const removal of batch.removals) {
      writer.varint(table.get(removal.replica)! * 2 + (removal.tag != null ? 1 : 0))
      writer.varint(removal.seq)
      if (removal.tag != null) writer.raw(removal.tag)
    }
  }
}

export function readEvidence (reader: ByteReader): RemovalEvidence[] {
  const count = reader.varint('evidence batch count', Math.floor(reader.remaining / MIN_BATCH_BYTES))
  if (count === 0) throw new InvalidMessageError('an evidence section with no batches')
  const evidence: RemovalEvidence[] = []
  for (let i = 0; i < count; i++) {
    const flags = reader.u8('evidence flags')
    if ((flags & ~WHOLE) !== 0) throw new InvalidMessageError(`invalid evidence flags ${flags}`)
    const remover = readReplicaId(reader)
    const first = reader.varint('evidence first seq', MAX_SEQ)
    const seqCount = reader.varint('evidence seq count', MAX_BATCH_SEQS)
    if (first < 1) throw new InvalidMessageError('an evidence batch from seq 0')
    const whole = (flags & WHOLE) === 0
      ? undefined
      : {
          card: { publicKey: reader.raw(32, 'remover public key').slice(), nonce: reader.raw(16, 'remover nonce').slice() },
          salt: reader.raw(16, 'evidence salt').slice(),
          signature: reader.raw(64, 'evidence signature').slice(),
          leaves: reader.raw(seqCount * LEAF_BYTES, 'evidence leaves').slice()
        }
    const table = readReplicaTable(reader, MAX_BATCH_REMOVALS)
    const removalCount = reader.varint('evidence removal count', Math.min(MAX_BATCH_REMOVALS, Math.floor(reader.remaining / 2)))
    if (removalCount === 0 || table.length === 0) throw new InvalidMessageError('an evidence batch with no removals')
    const removals: EvidenceRemoval[] = []
    for (let n = 0; n < removalCount; n++) {
      const index = reader.varint('evidence removal replica', table.length * 2 - 1)
      const seq = reader.varint('evidence removal seq', MAX_SEQ)
      if (seq < 1) throw new InvalidMessageError('a removal of seq 0')
      const replica = table[index >>> 1]
      removals.push((index & 1) !== 0 ? { replica, seq, tag: reader.raw(TAG_BYTES, 'removal tag').slice() } : { replica, seq })
    }
    evidence.push(whole != null ? { remover, first, count: seqCount, removals, whole } : { remover, first, count: seqCount, removals })
  }
  return evidence
}
