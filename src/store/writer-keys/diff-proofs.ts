import { batchDigest, leafInto, leafOfParts, DIGEST_BYTES, LEAF_BYTES, MAX_BATCH_SEQS, SALT_BYTES } from './batch-digest.ts'
import { InvalidSignatureError } from './errors.ts'
import { checkSignature, isVerified, noteVerified, verifySignatureAhead } from './signature-check.ts'
import { PARALLEL_MIN_SIGNATURES, parallelVerifier } from './parallel-verifier.ts'
import { SIGNATURE_BYTES } from './ed25519.ts'
import { isDecoded } from '../validate.ts'
import { replicaIdOfCard } from './writer-key.ts'
import type { BatchProof, Diff, DiffGroup } from '../diff.ts'
import type { WriterCard } from '../types.ts'

/**
 * A diff group's proofs, completed with the leaves of its entries, then its equivocation proofs,
 * and what each must have been signed over.
 */
export interface GroupProofs {
  readonly card: WriterCard | undefined
  readonly proofs: readonly BatchProof[]
  readonly digests: readonly Uint8Array[]
  /** The highest seq the group's proofs attest. */
  readonly attestedMax: number
}

function refuse (group: DiffGroup, why: string): never {
  throw new InvalidSignatureError(`a diff group of ${group.replica}: ${why}`)
}

/**
 * Recomputes the leaf of every entry of `group` into a copy of the proof covering it, and the
 * digest each proof's signature must cover. Throws {@link InvalidSignatureError} when the card
 * is not the writer's, a proof is malformed, or an entry has no proof. `hashed` hears of each
 * digest as soon as it is known, while the leaves of later proofs are still being hashed.
 */
export function proofsOfGroup (group: DiffGroup, hashed?: (proof: BatchProof, digest: Uint8Array) => void): GroupProofs {
  // Deaths the requester has the attestation for already (it saw their seqs) need no proof.
  const equivocations = group.equivocationProofs ?? []
  if ((group.proofs == null || group.proofs.length === 0) && equivocations.length === 0 && (group.packed?.count ?? group.entries.length) === 0) return { card: group.card, proofs: [], digests: [], attestedMax: 0 }
  const card = group.card
  if (card == null || card.publicKey?.byteLength !== 32 || card.nonce?.byteLength !== 16) refuse(group, 'no writer card')
  if (replicaIdOfCard(card) !== group.replica) refuse(group, 'the writer card is not this writer\'s')
  const given = group.proofs ?? []
  if (given.length === 0 && equivocations.length === 0) refuse(group, 'no proof')
  const proofs: Array<BatchProof & { leaves: Uint8Array }> = []
  let end = 1
  for (const proof of given) {
    checkShape(group, proof, end)
    proofs.push({ ...proof, leaves: proof.leaves.slice() })
    end = proof.first + proof.count
  }
  const digests: Uint8Array[] = []
  // Entries ascend, so every proof before the one covering the current entry has all its leaves.
  const digestBefore = (end: number): void => {
    while (digests.length < end) {
      const proof = proofs[digests.length]
      const digest = batchDigest(group.replica, proof.first, proof.count, proof.salt, proof.removalsDigest, proof.leaves)
      digests.push(digest)
      hashed?.(proof, digest)
    }
  }
  let at = 0
  const cover = (seq: number): BatchProof & { leaves: Uint8Array } => {
    if (at < proofs.length && seq >= proofs[at].first + proofs[at].count) {
      while (at < proofs.length && seq >= proofs[at].first + proofs[at].count) at++
      digestBefore(at)
    }
    const proof = proofs[at]
    if (proof == null || seq < proof.first) refuse(group, `no proof covers seq ${seq}`)
    return proof
  }
  const packed = group.packed
  if (packed != null) {
    packed.rewind()
    while (packed.next()) {
      const proof = cover(packed.seq)
      leafInto(proof.leaves, (packed.seq - proof.first) * LEAF_BYTES, proof.salt, packed.seq, packed.hlc.wall, packed.hlc.counter, packed.bytes, packed.keyStart, packed.keyLength, packed.valueLength)
    }
    packed.rewind()
  } else {
    for (const entry of group.entries) {
      const proof = cover(entry.seq)
      proof.leaves.set(leafOfParts(proof.salt, entry.seq, entry.hlc.wall, entry.hlc.counter, entry.key, entry.value), (entry.seq - proof.first) * LEAF_BYTES)
    }
  }
  // Equivocation proofs come whole: their leaves are all given, and they may overlap anything.
  for (const proof of equivocations) {
    checkShape(group, proof, 1)
    proofs.push({ ...proof, leaves: proof.leaves.slice() })
  }
  digestBefore(proofs.length)
  const attestedMax = proofs.reduce((max, proof) => Math.max(max, proof.first + proof.count - 1), 0)
  return { card, proofs, digests, attestedMax }
}

/** A proof's numbers and byte lengths; `from` is the lowest first seq it may have. */
function checkShape (group: DiffGroup, proof: BatchProof, from: number): void {
  const { first, count } = proof
  if (!Number.isInteger(first) || first < from || !Number.isInteger(count) || count < 0 || count > MAX_BATCH_SEQS) refuse(group, `a proof of ${count} seqs from ${first}`)
  if (proof.salt?.byteLength !== SALT_BYTES || proof.removalsDigest?.byteLength !== DIGEST_BYTES || proof.leaves?.byteLength !== count * LEAF_BYTES) refuse(group, 'a malformed proof')
}

/** Checks every proof's signature of a group now. */
export function checkGroupSignatures (group: DiffGroup, checked: GroupProofs): void {
  checked.proofs.forEach((proof, i) => { checkSignature(checked.card!, checked.digests[i], proof.signature, `a diff proof of ${group.replica} from seq ${proof.first}`) })
}

// Each diff verified ahead, with its groups' proofs as computed then: integration takes them
// instead of hashing every leaf again. Only a decoded diff's: its bytes are the decoder's own
// copy (code that edits a decoded message in place owns the result, as validate.ts says).
const checkedAhead = new WeakMap<Diff, GroupProofs[]>()

/** The proofs of every group, as {@link verifyDiffAhead} computed them for this diff, or computed now. */
export function proofsOfDiff (diff: Diff): GroupProofs[] {
  const ahead = checkedAhead.get(diff)
  if (ahead != null) {
    checkedAhead.delete(diff)
    return ahead
  }
  return diff.groups.map((group) => proofsOfGroup(group))
}

/**
 * Verifies a diff's signatures ahead of its synchronous integration: needed in browsers, where
 * WebCrypto answers with promises, and where a {@link ParallelVerifier} is registered (Node.js),
 * the signatures of a big diff are verified on other threads while this one hashes the leaves.
 * A bad signature is not reported here: integration refuses the diff whole. `signal` aborts.
 */
export async function verifyDiffAhead (diff: Diff, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  let signatures = 0
  for (const group of diff.groups) signatures += (group.proofs?.length ?? 0) + (group.equivocationProofs?.length ?? 0)
  const verifier = signatures >= PARALLEL_MIN_SIGNATURES ? parallelVerifier() : undefined
  const session = verifier?.session(signal)
  const sent: Array<{ digest: Uint8Array, signature: Uint8Array }> = []
  const checked: GroupProofs[] = []
  let whole = true
  for (const group of diff.groups) {
    try {
      checked.push(proofsOfGroup(group, session == null
        ? undefined
        : (proof, digest) => {
            // A signature of the wrong length is refused on integration.
            if (proof.signature.byteLength !== SIGNATURE_BYTES || isVerified(digest, proof.signature)) return
            session.add(group.card!, digest, proof.signature)
            sent.push({ digest, signature: proof.signature })
          }))
    } catch {
      // Refused on integration, with its error.
      whole = false
    }
  }
  if (whole && isDecoded(diff)) checkedAhead.set(diff, checked)
  if (session != null) {
    const answers = await session.done()
    answers.forEach((answer, i) => { if (answer === 1) noteVerified(sent[i].digest, sent[i].signature) })
    return
  }
  const pending: Array<Promise<boolean>> = []
  for (const group of checked) group.proofs.forEach((proof, i) => pending.push(verifySignatureAhead(group.card!, group.digests[i], proof.signature)))
  await Promise.all(pending)
}
