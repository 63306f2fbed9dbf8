import { MAX_SEQ } from '../../store/clock-set.ts'
import { LEAF_BYTES, MAX_BATCH_SEQS, isZeroLeaf } from '../../store/writer-keys/batch-digest.ts'
import { InvalidMessageError } from '../../store/errors.ts'
import type { ByteReader } from './byte-reader.ts'
import type { ByteWriter } from './byte-writer.ts'
import type { BatchProof } from '../../store/diff.ts'

// A diff group's proofs (grammar: src/protocols/wire/README.md, `proof`).

/** The smallest proof: first, count, salt, removals digest and signature. */
export const MIN_PROOF_BYTES = 2 + 16 + 32 + 64

/** A proof's count with this added says a zero map follows its signature. */
const ZERO_MAP = 128

function isSet (map: number[], i: number): boolean {
  return ((map[i >>> 5] >>> (i & 31)) & 1) !== 0
}

/**
 * Writes a group's proofs: the leaves of seqs that are not among its entries (`seqs`, ascending).
 * Zero leaves (seqs issued with no entry, and own entries overwritten before they were signed:
 * most dead seqs after churn) go as a bit each in an 8-byte map instead of 16 bytes.
 */
export function writeProofs (writer: ByteWriter, proofs: readonly BatchProof[], seqs: readonly number[]): void {
  writer.varint(proofs.length)
  let at = 0
  for (const proof of proofs) {
    while (at < seqs.length && seqs[at] < proof.first) at++
    const start = at
    // The map as two 32-bit halves (bit i: the leaf of first + i).
    const zeros = [0, 0]
    let zeroCount = 0
    for (let seq = proof.first; seq < proof.first + proof.count; seq++) {
      if (at < seqs.length && seqs[at] === seq) {
        at++
        continue
      }
      if (isZeroLeaf(proof.leaves, (seq - proof.first) * LEAF_BYTES)) {
        const i = seq - proof.first
        zeros[i >>> 5] |= 1 << (i & 31)
        zeroCount++
      }
    }
    // A map costs 9 bytes: worth it from one zero leaf.
    const mapped = zeroCount > 0
    writer.varint(proof.first)
    writer.varint(proof.count + (mapped ? ZERO_MAP : 0))
    writer.raw(proof.salt)
    writer.raw(proof.removalsDigest)
    writer.raw(proof.signature)
    if (mapped) {
      const map = new Uint8Array(8)
      const view = new DataView(map.buffer)
      view.setUint32(0, zeros[0] >>> 0, true)
      view.setUint32(4, zeros[1] >>> 0, true)
      writer.raw(map)
    }
    at = start
    for (let seq = proof.first; seq < proof.first + proof.count; seq++) {
      if (at < seqs.length && seqs[at] === seq) {
        at++
        continue
      }
      if (mapped && isSet(zeros, seq - proof.first)) continue
      writer.range(proof.leaves, (seq - proof.first) * LEAF_BYTES, LEAF_BYTES)
    }
  }
}

/** Reads a group's proofs; the leaves of its entries (`seqs`) are left zero for the store to compute. */
export function readProofs (reader: ByteReader, seqs: readonly number[]): BatchProof[] {
  const count = reader.varint('proof count', Math.floor(reader.remaining / MIN_PROOF_BYTES))
  const proofs: BatchProof[] = []
  let at = 0
  let end = 1
  for (let n = 0; n < count; n++) {
    const first = reader.varint('proof first seq', MAX_SEQ)
    let seqCount = reader.varint('proof seq count', ZERO_MAP + MAX_BATCH_SEQS)
    const mapped = seqCount >= ZERO_MAP
    if (mapped) seqCount -= ZERO_MAP
    if (seqCount > MAX_BATCH_SEQS) throw new InvalidMessageError(`a proof of ${seqCount} seqs (at most ${MAX_BATCH_SEQS})`)
    if (first < end) throw new InvalidMessageError('proofs must ascend without overlapping')
    end = first + seqCount
    const salt = reader.raw(16, 'proof salt').slice()
    const removalsDigest = reader.raw(32, 'proof removals digest').slice()
    const signature = reader.raw(64, 'proof signature').slice()
    const zeros = [0, 0]
    if (mapped) {
      const map = reader.raw(8, 'proof zero map')
      const view = new DataView(map.buffer, map.byteOffset, 8)
      zeros[0] = view.getUint32(0, true)
      zeros[1] = view.getUint32(4, true)
      for (let i = seqCount; i < 64; i++) if (isSet(zeros, i)) throw new InvalidMessageError('a zero map beyond its proof\'s seqs')
    }
    const leaves = new Uint8Array(seqCount * LEAF_BYTES)
    while (at < seqs.length && seqs[at] < first) at++
    for (let seq = first; seq < end; seq++) {
      const zero = isSet(zeros, seq - first)
      if (at < seqs.length && seqs[at] === seq) {
        if (zero) throw new InvalidMessageError('a zero map names an entry of the group')
        at++
        continue
      }
      if (zero) continue
      leaves.set(reader.raw(LEAF_BYTES, 'proof leaf'), (seq - first) * LEAF_BYTES)
    }
    proofs.push({ first, count: seqCount, salt, removalsDigest, leaves, signature })
  }
  return proofs
}
