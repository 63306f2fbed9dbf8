import { equals } from 'uint8arrays/equals'
import { ClockSet } from './clock-set.ts'
import { EMPTY_DIFF, type Diff, type DiffEntry, type DiffGroup, type DiffRequest, type ReplicaSummary } from './diff.ts'
import { withShownProofs } from './content-check.ts'
import { plan } from './diff-plan.ts'
import type { EntryRows } from './entry-rows.ts'
import type { DeathSuspects } from './death-suspects.ts'
import type { ReplicaState } from './replica-state.ts'
import { LEAF_BYTES } from './writer-keys/batch-digest.ts'
import { deathParts, evidenceOf, mergeProofs, type EvidenceContext } from './death-evidence-parts.ts'
import type { BatchProof, RemovalEvidence } from './diff.ts'
import type { ReplicaId } from './types.ts'

/** Bytes a frame spends per entry besides its key and value, and per group (a generous bound). */
const ENTRY_OVERHEAD = 24
const GROUP_OVERHEAD = 32 + 48
/** A proof's bytes besides the leaves it carries. */
const PROOF_OVERHEAD = 130

/** A group of `entries` (ascending) with the writer's card and the proofs that cover them, and its latest. */
function signedGroup (replica: ReplicaState, entries: DiffEntry[], withLatest: boolean): DiffGroup {
  // With writer keys off no writer has a card: the group is its entries alone.
  if (replica.proofs.card == null) return { replica: replica.id, entries }
  return { replica: replica.id, card: replica.proofs.card, proofs: replica.proofs.covering(entries.map((entry) => entry.seq), withLatest), entries }
}

/** Splits a set into pieces whose serialization stays under `maxBytes`, halving the seq range. */
function splitBySize (set: ClockSet, maxBytes: number): ClockSet[] {
  if (!Number.isFinite(maxBytes)) return [set]
  const size = set.serialize().byteLength
  const min = set.min()
  const max = set.max()
  if (size <= maxBytes || min == null || max == null || min === max) return [set]
  const middle = min + Math.floor((max - min + 1) / 2)
  const low = set.slice(min, middle)
  const high = set.slice(middle, max + 1)
  set.dispose()
  return [...splitBySize(low, maxBytes), ...splitBySize(high, maxBytes)]
}

/**
 * The diff for `request`, as frames of about `maxFrameBytes` (a frame holding one entry larger
 * than that is the exception): first every entry, then every death. Entries are read from the
 * store as each frame is made, so the store may change between frames; what a frame says stays
 * true (a live entry was live, a dead seq stays dead), and anything newer comes next round.
 * `signed` false: a store with `writerKeys: false`, whose frames carry no cards or proofs.
 */
export function * diffFrames (
  rows: EntryRows,
  replicas: Iterable<ReplicaState>,
  request: DiffRequest,
  stateHash: Uint8Array,
  maxFrameBytes: number,
  signed = true
): Generator<Diff> {
  for (const frame of signedFrames(rows, replicas, request, stateHash, maxFrameBytes, signed)) yield signed ? frame : { ...frame, unsigned: true }
}

function * signedFrames (rows: EntryRows, replicas: Iterable<ReplicaState>, request: DiffRequest, stateHash: Uint8Array, maxFrameBytes: number, signed: boolean): Generator<Diff> {
  if (request.stateHash != null && equals(request.stateHash, stateHash)) return
  if (request.replicas == null) {
    yield { needsFullRequest: true, groups: [] }
    return
  }
  const known = new Map<ReplicaId, ReplicaState>()
  for (const replica of replicas) known.set(replica.id, replica)
  const theirs = new Map<ReplicaId, ReplicaSummary>()
  for (const summary of request.replicas) theirs.set(summary.replica, summary)
  const { groups, withheld } = plan(known.values(), request, signed)
  // Sets placed in a frame belong to the consumer from then on.
  const handedOut = new Set<ClockSet>()
  try {
    let frame: DiffGroup[] = []
    let frameBytes = 0
    // Members' batches proving this frame's deaths, and the proofs earlier frames carried.
    let evidence = new Map<BatchProof, RemovalEvidence>()
    const context: EvidenceContext = {
      // In full, suspects are treated as unseen: their deaths go with the proof of what was removed.
      seen: (replica, seq) => theirs.get(replica)?.seen.has(seq) === true && (request.fullEvidence !== true || theirs.get(replica)?.suspects?.has(seq) !== true),
      fullTags: request.fullEvidence === true,
      sent: new Set(),
      card: (replica) => known.get(replica)?.proofs.card
    }
    const inFrame = (batch: BatchProof): boolean => frame.some((g) => g.proofs?.includes(batch) === true)
    // A requester that has seen every seq of a batch holds its proof (it takes no seq without one).
    // Not so for a writer that signed two versions of a dot: the requester may hold the other batch.
    const seenWhole = (batch: BatchProof, remover: ReplicaId): boolean => {
      const seen = theirs.get(remover)?.seen
      if (seen == null || batch.count === 0 || !known.get(remover)!.proofs.equivocatedSeqs().next().done) return false
      for (let seq = batch.first; seq < batch.first + batch.count; seq++) if (!seen.has(seq)) return false
      return true
    }
    const finish = (extra: { deathsWithheld?: boolean } = {}): Diff => {
      for (const g of frame) for (const proof of g.proofs ?? []) context.sent.add(proof)
      for (const batch of evidence.keys()) context.sent.add(batch)
      const diff: Diff = { needsFullRequest: false, groups: frame, ...extra }
      return evidence.size > 0 ? { ...diff, evidence: [...evidence.values()] } : diff
    }
    // Writers whose latest proof went out with their entries: their deaths need it no more.
    const attested = new Set<ReplicaState>()
    for (const group of groups) {
      const proofs = group.replica.proofs
      if (signed && proofs.card == null) continue
      // The writer's latest proof goes with its first entries of this diff: the requester keeps it.
      const latest = proofs.covering([])[0]
      let withLatest = true
      let entries: DiffEntry[] = []
      let proofEnd = 0
      // A proof costs its fixed bytes and a leaf per seq it covers, less the leaves of the entries it carries.
      const proofBytes = (first: number): number => {
        const proof = proofs.find(first)!
        return PROOF_OVERHEAD + LEAF_BYTES * proof.count
      }
      const groupBytes = (): number => GROUP_OVERHEAD + (withLatest && latest != null ? PROOF_OVERHEAD + latest.leaves.byteLength : 0)
      frameBytes += groupBytes()
      for (const seq of group.seqs) {
        const row = group.replica.dots.get(seq)
        if (row === undefined) continue
        const entryBytes = rows.byteLength(row) + ENTRY_OVERHEAD - LEAF_BYTES
        let bytes = entryBytes
        if (signed && seq >= proofEnd) {
          // Entries whose batch is not signed yet (a local commit of the last few ms) go next round.
          const proof = proofs.find(seq)
          if (proof == null || proof.signature.byteLength === 0) continue
          proofEnd = proof.first + proof.count
          if (proof !== latest || !withLatest) bytes += proofBytes(seq)
        }
        if (frameBytes + bytes > maxFrameBytes && (entries.length > 0 || frame.length > 0)) {
          if (entries.length > 0) {
            frame.push(signedGroup(group.replica, entries, withLatest))
            withLatest = false
          }
          yield finish()
          frame = []
          entries = []
          frameBytes = groupBytes()
          bytes = entryBytes + (signed ? proofBytes(seq) : 0)
        }
        entries.push(rows.entry(row))
        frameBytes += bytes
      }
      let shown: BatchProof[] = []
      for (const proof of proofs.covering(group.shown, false)) {
        const bytes = PROOF_OVERHEAD + LEAF_BYTES * proof.count
        if (frameBytes + bytes > maxFrameBytes && (entries.length > 0 || shown.length > 0 || frame.length > 0)) {
          if (entries.length > 0 || shown.length > 0) {
            frame.push(withShownProofs(signedGroup(group.replica, entries, withLatest), shown))
            withLatest = false
          }
          yield finish()
          frame = []
          entries = []
          shown = []
          frameBytes = groupBytes()
        }
        shown.push(proof)
        frameBytes += bytes
      }
      if (entries.length > 0 || shown.length > 0) frame.push(withShownProofs(signedGroup(group.replica, entries, withLatest), shown))
      if (group.seqs.length > 0) attested.add(group.replica)
    }
    for (const group of groups) {
      if (group.deaths == null) continue
      const card = group.replica.proofs.card
      for (const piece of splitBySize(group.deaths, maxFrameBytes - GROUP_OVERHEAD)) {
        handedOut.add(piece)
        for (const part of deathParts(group.replica, piece, group.prove, maxFrameBytes - GROUP_OVERHEAD, context)) {
          const deaths = part.deaths
          handedOut.add(deaths)
          if (deaths.isEmpty) {
            deaths.dispose()
            continue
          }
          const attach = group.attest && !attested.has(group.replica) && card != null
          const proofs = mergeProofs(attach ? group.replica.proofs.covering([]) : [], part.proofs)
          // Deaths of dots their writer signed twice go with both proofs: whichever version the requester holds, it sees the other.
          const equivocations = card == null ? [] : group.replica.proofs.equivocationProofs((seq) => deaths.has(seq))
          const bytes = Number.isFinite(maxFrameBytes) ? deaths.serialize().byteLength + GROUP_OVERHEAD + part.bytes + [...proofs, ...equivocations].reduce((n, p) => n + PROOF_OVERHEAD + p.leaves.byteLength, 0) : 0
          // A replica appears once per frame: its deaths join its entries, a second part waits for the next frame.
          let at = frame.findIndex((g) => g.replica === group.replica.id)
          if ((frameBytes + bytes > maxFrameBytes && frame.length > 0) || (at >= 0 && frame[at].deaths != null)) {
            yield finish()
            frame = []
            evidence = new Map()
            frameBytes = 0
            at = -1
          }
          const shown = equivocations.length > 0 ? { equivocationProofs: equivocations } : {}
          if (at >= 0) frame[at] = { ...frame[at], proofs: mergeProofs(frame[at].proofs ?? [], proofs), deaths, ...shown }
          else if (proofs.length > 0 || equivocations.length > 0) frame.push({ replica: group.replica.id, card, proofs, entries: [], deaths, ...shown })
          else frame.push({ replica: group.replica.id, entries: [], deaths })
          for (const [batch, remover] of part.causes) {
            if (!evidence.has(batch)) evidence.set(batch, evidenceOf(batch, remover, context.sent.has(batch) || inFrame(batch) || (!context.fullTags && seenWhole(batch, remover)), context))
          }
          frameBytes += bytes
        }
      }
    }
    // The last frame says so when deaths were withheld: the requester asks again once it has it.
    if (frame.length > 0 || withheld) yield finish(withheld ? { deathsWithheld: true } : {})
  } finally {
    for (const group of groups) {
      if (group.deaths != null && !handedOut.has(group.deaths)) group.deaths.dispose()
      group.prove?.dispose()
    }
  }
}

/** The whole diff in one message: with no size limit every group lands in a single frame. */
export function buildWholeDiff (rows: EntryRows, replicas: Iterable<ReplicaState>, request: DiffRequest, stateHash: Uint8Array, signed = true): Diff {
  for (const frame of diffFrames(rows, replicas, request, stateHash, Number.POSITIVE_INFINITY, signed)) return frame
  return EMPTY_DIFF
}

/**
 * What a replica with these writers asks for (see `MemStore.requestDiff`): with `summary` only its
 * state hash (unless it has seen nothing, when the full request is as small); with `narrowDeaths`
 * no suspects, which the full request after an answer that withheld deaths names.
 */
export function requestOf (writers: Iterable<ReplicaState>, stateHash: () => Uint8Array, suspects: DeathSuspects, options: { summary?: boolean, hash?: boolean, narrowDeaths?: boolean }): DiffRequest {
  const hash = options.hash === false ? undefined : stateHash()
  const narrow = options.narrowDeaths === true
  const replicas = []
  const full = options.summary !== true && suspects.wantsFullEvidence()
  if (options.summary !== true) suspects.forgetNamed()
  for (const replica of writers) {
    if (replica.seen.isEmpty) continue
    // Having seen nothing, the full request is as small as a summary and saves a round trip.
    if (options.summary === true) return { stateHash: hash ?? stateHash() }
    const named = narrow ? undefined : suspects.take(replica)
    replicas.push({ replica: replica.id, seen: replica.seen.clone(), liveDigest: replica.liveDigest.toBytes(), contentDigest: replica.contentDigest.toBytes(), ...(named != null ? { suspects: named } : {}) })
  }
  // Named once at most; the answer to this request gathers them afresh.
  suspects.clear()
  if (narrow) return { stateHash: hash, replicas, narrowDeaths: true }
  return full ? { stateHash: hash, replicas, fullEvidence: true } : { stateHash: hash, replicas }
}
