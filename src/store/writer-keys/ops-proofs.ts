import { batchDigest, leafOfParts, removalsDigest, LEAF_BYTES, MAX_BATCH_REMOVALS, MAX_BATCH_SEQS, TAG_BYTES, type TaggedDot } from './batch-digest.ts'
import { InvalidSignatureError } from './errors.ts'
import { checkSignature, verifySignatureAhead } from './signature-check.ts'
import { replicaIdOfCard } from './writer-key.ts'
import type { BatchProof } from '../diff.ts'
import { isDecoded } from '../validate.ts'
import type { Op, ReplicaId, SignedBatch, WriterCard } from '../types.ts'

/** A batch of ops, recomputed from the ops themselves: what its writer must have signed. */
export interface OpsProof {
  readonly replica: ReplicaId
  readonly card: WriterCard
  readonly proof: BatchProof
  readonly digest: Uint8Array
  /** The batch the ops name, by which their removals find the proof that signed them. */
  readonly batch: SignedBatch
}

function refuse (why: string): never {
  throw new InvalidSignatureError(why)
}

/**
 * The proofs of the batches `ops` belong to, each recomputed from its ops (leaves from the sets,
 * the removals digest from the removals), with every structural rule checked: each op is in a
 * batch, the card derives to the writer, the sets are exactly the batch's seqs in order, every
 * removal carries a tag. Signatures are not checked here ({@link checkOpsSignatures}).
 */
export function proofsOfOps (ops: readonly Op[]): OpsProof[] {
  const groups = new Map<SignedBatch, Op[]>()
  for (const op of ops) {
    const batch = op.batch
    if (batch == null && op.kind === 'delete' && op.removes.length === 0) continue
    if (batch == null) refuse('an op that is not in a signed batch')
    let group = groups.get(batch)
    if (group == null) {
      group = []
      groups.set(batch, group)
    }
    if (!group.includes(op)) group.push(op)
  }
  const proofs: OpsProof[] = []
  for (const [batch, members] of groups) proofs.push(proofOf(batch, members))
  return proofs
}

function proofOf (batch: SignedBatch, ops: readonly Op[]): OpsProof {
  const { card, first, count, salt } = batch
  if (card?.publicKey?.byteLength !== 32 || card.nonce?.byteLength !== 16) refuse('a batch without a valid writer card')
  if (!Number.isInteger(first) || first < 1 || !Number.isInteger(count) || count < 0 || count > MAX_BATCH_SEQS) refuse(`a batch of ${count} seqs from ${first}`)
  if (salt?.byteLength !== 16) refuse('a batch salt is 16 bytes')
  const replica = replicaIdOfCard(card)
  const leaves = new Uint8Array(count * LEAF_BYTES)
  const removals: TaggedDot[] = []
  let sets = 0
  for (const op of ops) {
    if (op.kind === 'set') {
      if (op.dot.replica !== replica) refuse(`a set of ${op.dot.replica} in a batch signed by ${replica}`)
      if (op.dot.seq !== first + sets) refuse(`a batch from seq ${first} whose set ${sets} has seq ${op.dot.seq}`)
      if (sets === count) refuse(`a batch of ${count} seqs with more sets`)
      leaves.set(leafOfParts(salt, op.dot.seq, op.hlc.wall, op.hlc.counter, op.key, op.value), sets * LEAF_BYTES)
      sets++
    }
    for (const dot of op.removes) {
      if (dot.tag?.byteLength !== TAG_BYTES) refuse(`a removal of ${dot.replica}:${dot.seq} without its ${TAG_BYTES}-byte tag`)
      removals.push(dot as TaggedDot)
    }
  }
  if (sets !== count) refuse(`a batch of ${count} seqs with ${sets} sets: a batch travels whole`)
  if (removals.length > MAX_BATCH_REMOVALS) refuse(`a batch of ${removals.length} removals, beyond ${MAX_BATCH_REMOVALS}`)
  const removed = removalsDigest(removals)
  const digest = batchDigest(replica, first, count, salt, removed, leaves)
  return { replica, card, digest, batch, proof: { first, count, salt, removalsDigest: removed, leaves, signature: batch.signature, removals } }
}

/** Checks every batch's signature now; throws on the first that is not its writer's. */
export function checkOpsSignatures (proofs: readonly OpsProof[]): void {
  for (const { replica, card, digest, proof } of proofs) checkSignature(card, digest, proof.signature, `a batch of ${replica} from seq ${proof.first}`)
}

// The proofs of decoded ops verified ahead, for the integration that follows (the topic verifies
// every message before it integrates it): leaves are hashed once per op, not twice. Keyed by the
// ops array itself and taken once.
const verifiedAhead = new WeakMap<readonly Op[], OpsProof[]>()

/**
 * The proofs of `ops`, from {@link verifyOpsAhead} when it verified this very array (their
 * signatures are in the verified set, so checking them again is a lookup), else recomputed.
 */
export function proofsOfOpsOnce (ops: readonly Op[]): OpsProof[] {
  const proofs = verifiedAhead.get(ops)
  if (proofs == null) return proofsOfOps(ops)
  verifiedAhead.delete(ops)
  return proofs
}

/**
 * Verifies the batches of `ops` ahead of a synchronous integration (browsers: WebCrypto answers
 * with promises). Resolves to whether every op is in a batch its writer signed.
 */
export async function verifyOpsAhead (ops: readonly Op[]): Promise<boolean> {
  let proofs: OpsProof[]
  try {
    proofs = proofsOfOps(ops)
  } catch {
    return false
  }
  const results = await Promise.all(proofs.map(async ({ card, digest, proof }) => await verifySignatureAhead(card, digest, proof.signature)))
  const ok = results.every((verified) => verified)
  // As for diffs (diff-proofs.ts): only a decoded array's ops are the decoder's own; an array made
  // in code could be changed before it is integrated, and is hashed again then.
  if (ok && isDecoded(ops)) verifiedAhead.set(ops, proofs)
  return ok
}
