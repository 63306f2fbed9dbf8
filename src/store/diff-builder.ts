import { equals } from 'uint8arrays/equals'
import { ClockSet } from './clock-set.ts'
import { EMPTY_DIFF, type Diff, type DiffEntry, type DiffGroup, type DiffRequest, type ReplicaSummary } from './diff.ts'
import { SetDigest, dotHashA, dotHashB } from './dot-hash.ts'
import { contentsDiffer, withShownProofs } from './content-check.ts'
import type { EntryRows } from './entry-rows.ts'
import type { DeathSuspects } from './death-suspects.ts'
import type { ReplicaState } from './replica-state.ts'
import { LEAF_BYTES } from './writer-keys/batch-digest.ts'
import type { BatchProof } from './diff.ts'

/** What one writer contributes to a diff: live seqs to send, and seqs dead here. */
interface PlannedGroup {
  readonly replica: ReplicaState
  readonly seqs: readonly number[]
  readonly deaths: ClockSet | undefined
  /** Whether the deaths reach beyond what the requester has seen, so that it needs the writer's latest proof to take them. */
  readonly attest: boolean
  /**
   * Live seqs the requester has seen whose proofs go along: where both hold the same live dots
   * but the writer's content digests differ, they show the requester the equivocation.
   */
  readonly shown: readonly number[]
}

const NONE: readonly number[] = Object.freeze([])

/**
 * Below this many bytes, the deaths a requester has seen go along at once, even when it would ask
 * again: a second round trip costs more than they do.
 */
const WITHHOLD_MIN_BYTES = 1024

/** Bytes a frame spends per entry besides its key and value, and per group (a generous bound). */
const ENTRY_OVERHEAD = 24
const GROUP_OVERHEAD = 32 + 48
/** A proof's bytes besides the leaves it carries. */
const PROOF_OVERHEAD = 130

/** The groups, and whether any withheld deaths the requester has seen. */
interface Plan {
  readonly groups: PlannedGroup[]
  readonly withheld: boolean
}

/**
 * Decides what the requester lacks, writer by writer. A writer both sides agree on (the requester
 * has seen all we have, and its live digest is ours) is skipped. Otherwise we send our live
 * entries it has not seen, and deaths: if its live digest equals ours over the seqs it has seen,
 * once the deaths among its suspects are taken out, only those and the deaths it has not seen;
 * else all we know (it may hold any dead entry as live), unless it will ask again
 * (`narrowDeaths`), when the deaths it has seen wait for that request and its suspects.
 */
function plan (replicas: Iterable<ReplicaState>, request: DiffRequest, signed: boolean): Plan {
  const theirs = new Map<string, ReplicaSummary>()
  for (const summary of request.replicas ?? []) theirs.set(summary.replica, summary)
  const empty = new ClockSet()
  const groups: PlannedGroup[] = []
  let withheld = false
  const from = request.range?.from
  const to = request.range?.to
  for (const replica of replicas) {
    if (replica.seen.isEmpty) continue
    if ((from != null && replica.id < from) || (to != null && replica.id >= to)) continue
    const summary = theirs.get(replica.id)
    // Only what both have seen matters below; clamping the claim to our own seen set first
    // keeps a request that claims far more than we know from costing more than our own state.
    const seenThere = summary == null ? empty : replica.seen.intersect(summary.seen)
    try {
      const group = planGroup(replica, summary, seenThere, request.narrowDeaths === true, signed)
      if (group == null) continue
      withheld ||= group.withheld
      if (group.seqs.length > 0 || group.deaths != null || group.shown.length > 0) groups.push(group)
    } finally {
      if (seenThere !== empty) seenThere.dispose()
    }
  }
  return { groups, withheld }
}

function planGroup (replica: ReplicaState, summary: ReplicaSummary | undefined, seenThere: ClockSet, mayWithhold: boolean, signed: boolean): (PlannedGroup & { withheld: boolean }) | undefined {
  const digestThere = summary == null ? new SetDigest() : SetDigest.fromBytes(summary.liveDigest)
  const sameContents = summary?.contentDigest == null || replica.contentDigest.equals(SetDigest.fromBytes(summary.contentDigest))
  if (summary != null && replica.seen.isSubsetOf(seenThere) && replica.liveDigest.equals(digestThere) && sameContents) return undefined
  const unseenLive = replica.live.andNot(seenThere)
  const seqs = unseenLive.toArray()
  unseenLive.dispose()
  let dead = replica.seen.andNot(replica.live)
  // Deaths go only as far as a signed proof here attests (what a puller takes): our own seqs
  // whose batch is not signed yet wait for the next round. Without writer keys nothing is signed, nor waits.
  const signedMax = signed ? replica.proofs.signedMax : Number.POSITIVE_INFINITY
  if ((dead.max() ?? 0) > signedMax) {
    const attested = dead.slice(1, signedMax + 1)
    dead.dispose()
    dead = attested
  }
  let deaths = dead
  let withheld = false
  let shown = NONE
  // A requester that has seen nothing of this writer gets every death either way.
  if (summary != null) {
    const unseenDeaths = dead.andNot(seenThere)
    // The suspects we know dead: clamped to our own dead set, and bounded by the decoder.
    const confirmed = summary.suspects == null ? undefined : summary.suspects.intersect(dead)
    const expected = digestThere.copy()
    if (confirmed != null) for (const seq of confirmed) expected.subtract(dotHashA(replica.seedA, seq), dotHashB(replica.seedB, seq))
    if (replica.liveDigestWithout(seqs).equals(expected)) {
      // The same live dots on both sides, once these deaths are taken: are they the same entries?
      if (!sameContents && contentsDiffer(replica, summary.contentDigest!, seqs, confirmed)) shown = replica.live.intersect(seenThere).toArray()
      deaths = confirmed == null ? unseenDeaths : unseenDeaths.union(confirmed)
      dead.dispose()
    } else if (mayWithhold && seenDeathsBytes(dead, unseenDeaths) >= WITHHOLD_MIN_BYTES) {
      deaths = unseenDeaths
      withheld = true
      dead.dispose()
    } else {
      unseenDeaths.dispose()
    }
    if (confirmed != null && deaths !== confirmed) confirmed.dispose()
  }
  if (deaths.isEmpty) {
    deaths.dispose()
    return seqs.length === 0 && !withheld && shown.length === 0 ? undefined : { replica, seqs, deaths: undefined, withheld, attest: false, shown }
  }
  return { replica, seqs, deaths, withheld, attest: deaths.max()! > (seenThere.max() ?? 0), shown }
}

/** What the deaths the requester has seen would cost on the wire. */
function seenDeathsBytes (dead: ClockSet, unseenDeaths: ClockSet): number {
  const seen = dead.andNot(unseenDeaths)
  const bytes = seen.serialize().byteLength
  seen.dispose()
  return bytes
}

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
  const { groups, withheld } = plan(replicas, request, signed)
  // Sets placed in a frame belong to the consumer from then on.
  const handedOut = new Set<ClockSet>()
  try {
    let frame: DiffGroup[] = []
    let frameBytes = 0
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
          yield { needsFullRequest: false, groups: frame }
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
          yield { needsFullRequest: false, groups: frame }
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
      for (const piece of splitBySize(group.deaths, maxFrameBytes - GROUP_OVERHEAD)) {
        handedOut.add(piece)
        const attach = group.attest && !attested.has(group.replica) && group.replica.proofs.card != null
        const latest = attach ? group.replica.proofs.covering([]) : []
        // Deaths of dots their writer signed twice go with both proofs: whichever version the requester holds, it sees the other.
        const equivocations = group.replica.proofs.card == null ? [] : group.replica.proofs.equivocationProofs((seq) => piece.has(seq))
        const bytes = Number.isFinite(maxFrameBytes) ? piece.serialize().byteLength + GROUP_OVERHEAD + [...latest, ...equivocations].reduce((n, p) => n + PROOF_OVERHEAD + p.leaves.byteLength, 0) : 0
        // A replica appears once per frame: its deaths join its entries, a second piece waits for the next frame.
        let at = frame.findIndex((g) => g.replica === group.replica.id)
        if ((frameBytes + bytes > maxFrameBytes && frame.length > 0) || (at >= 0 && frame[at].deaths != null)) {
          yield { needsFullRequest: false, groups: frame }
          frame = []
          frameBytes = 0
          at = -1
        }
        const shown = equivocations.length > 0 ? { equivocationProofs: equivocations } : {}
        if (at >= 0) frame[at] = { ...frame[at], deaths: piece, ...shown }
        else if (attach || equivocations.length > 0) frame.push({ replica: group.replica.id, card: group.replica.proofs.card, proofs: latest, entries: [], deaths: piece, ...shown })
        else frame.push({ replica: group.replica.id, entries: [], deaths: piece })
        frameBytes += bytes
      }
    }
    // The last frame says so when deaths were withheld: the requester asks again once it has it.
    if (frame.length > 0 || withheld) yield withheld ? { needsFullRequest: false, groups: frame, deathsWithheld: true } : { needsFullRequest: false, groups: frame }
  } finally {
    for (const group of groups) if (group.deaths != null && !handedOut.has(group.deaths)) group.deaths.dispose()
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
  for (const replica of writers) {
    if (replica.seen.isEmpty) continue
    // Having seen nothing, the full request is as small as a summary and saves a round trip.
    if (options.summary === true) return { stateHash: hash ?? stateHash() }
    const named = narrow ? undefined : suspects.take(replica)
    replicas.push({ replica: replica.id, seen: replica.seen.clone(), liveDigest: replica.liveDigest.toBytes(), contentDigest: replica.contentDigest.toBytes(), ...(named != null ? { suspects: named } : {}) })
  }
  // Named once at most; the answer to this request gathers them afresh.
  suspects.clear()
  return narrow ? { stateHash: hash, replicas, narrowDeaths: true } : { stateHash: hash, replicas }
}
