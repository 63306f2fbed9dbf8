// The value of a 'P' record (record-keys.ts): a signed batch the store keeps, with the removals
// it signed where known (the evidence of the deaths they caused):
//
//   public key (32), nonce (16), u32 count, salt (16), removals digest (32), signature (64),
//   count leaves of 16, then 32 bytes a removal: replica id (16), u64 seq (LE), tag (8)

import { MAX_SEQ } from '../clock-set.ts'
import { REPLICA_ID_BYTES, replicaIdAt, replicaIdFromBytes, replicaIdToBytes } from '../replica-id.ts'
import { MAX_BATCH_REMOVALS, TAG_BYTES, type TaggedDot } from '../writer-keys/batch-digest.ts'
import type { BatchProof } from '../diff.ts'
import type { ReplicaId, WriterCard } from '../types.ts'
import { TWO_32, corrupt, viewOf } from './record-fields.ts'

const PROOF_HEADER = 48 + 4 + 16 + 32 + 64
/** A removal kept with its batch: replica id, seq, tag. */
const REMOVAL_BYTES = REPLICA_ID_BYTES + 8 + TAG_BYTES

/** A proof record as read back. */
export interface StoredProof {
  readonly kind: 'proof'
  readonly replica: ReplicaId
  readonly card: WriterCard
  readonly proof: BatchProof
}

export function encodeProof (card: WriterCard, proof: BatchProof): Uint8Array {
  const removals = proof.removals ?? []
  const out = new Uint8Array(PROOF_HEADER + proof.leaves.byteLength + removals.length * REMOVAL_BYTES)
  out.set(card.publicKey)
  out.set(card.nonce, 32)
  viewOf(out).setUint32(48, proof.count, true)
  out.set(proof.salt, 52)
  out.set(proof.removalsDigest, 68)
  out.set(proof.signature, 100)
  out.set(proof.leaves, PROOF_HEADER)
  const view = viewOf(out)
  let at = PROOF_HEADER + proof.leaves.byteLength
  for (const dot of removals) {
    out.set(replicaIdToBytes(dot.replica), at)
    view.setUint32(at + 16, dot.seq >>> 0, true)
    view.setUint32(at + 20, Math.floor(dot.seq / TWO_32), true)
    out.set(dot.tag, at + 24)
    at += REMOVAL_BYTES
  }
  return out
}

/** Reads a proof record (its checksum already checked), checking every field against its key. */
export function decodeProof (key: Uint8Array, bytes: Uint8Array): StoredProof {
  const removalOnly = key.byteLength === 1 + REPLICA_ID_BYTES + 16
  if ((key.byteLength !== 1 + REPLICA_ID_BYTES + 8 && !removalOnly) || bytes.byteLength < PROOF_HEADER) corrupt('malformed proof record')
  const keyView = viewOf(key)
  const first = keyView.getUint32(1 + REPLICA_ID_BYTES, false) * TWO_32 + keyView.getUint32(1 + REPLICA_ID_BYTES + 4, false)
  const view = viewOf(bytes)
  const count = view.getUint32(48, true)
  const leavesEnd = PROOF_HEADER + count * 16
  const removalCount = (bytes.byteLength - leavesEnd) / REMOVAL_BYTES
  if (first < 1 || first > MAX_SEQ || count > 64 || (count === 0) !== removalOnly || bytes.byteLength < leavesEnd || !Number.isInteger(removalCount) || removalCount > MAX_BATCH_REMOVALS || (removalOnly && removalCount === 0)) corrupt('proof record out of range')
  const removals: TaggedDot[] = []
  for (let at = leavesEnd; at < bytes.byteLength; at += REMOVAL_BYTES) {
    const seq = view.getUint32(at + 20, true) * TWO_32 + view.getUint32(at + 16, true)
    if (seq < 1 || seq > MAX_SEQ) corrupt('proof record out of range')
    removals.push({ replica: replicaIdAt(bytes, at), seq, tag: bytes.slice(at + 24, at + REMOVAL_BYTES) })
  }
  const proof: BatchProof = { first, count, salt: bytes.slice(52, 68), removalsDigest: bytes.slice(68, 100), signature: bytes.slice(100, PROOF_HEADER), leaves: bytes.slice(PROOF_HEADER, leavesEnd) }
  return {
    kind: 'proof',
    replica: replicaIdFromBytes(key.subarray(1, 1 + REPLICA_ID_BYTES)),
    card: { publicKey: bytes.slice(0, 32), nonce: bytes.slice(32, 48) },
    proof: removals.length === 0 ? proof : { ...proof, removals }
  }
}
