import { ClockSet } from './clock-set.ts'
import { contentsDiffer } from './content-check.ts'
import { SetDigest, dotHashA, dotHashB } from './dot-hash.ts'
import type { DiffRequest, ReplicaSummary } from './diff.ts'
import type { ReplicaState } from './replica-state.ts'

// What a diff brings, writer by writer, before any byte of it is made (diff-builder.ts frames it).

/** What one writer contributes to a diff: live seqs to send, and seqs dead here. */
export interface PlannedGroup {
  readonly replica: ReplicaState
  readonly seqs: readonly number[]
  readonly deaths: ClockSet | undefined
  /** The deaths that go with their evidence: those the requester has not seen, and its suspects (signed stores only). */
  readonly prove: ClockSet | undefined
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

/** A dead set this small goes with the evidence of every death, seen by the requester or not. */
const PROVE_ALL_MAX = 1024

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
export function plan (replicas: Iterable<ReplicaState>, request: DiffRequest, signed: boolean): Plan {
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
  let confirmed: ClockSet | undefined
  // A requester that has seen nothing of this writer gets every death either way.
  if (summary != null) {
    const unseenDeaths = dead.andNot(seenThere)
    // The suspects we know dead: clamped to our own dead set, and bounded by the decoder.
    confirmed = summary.suspects == null ? undefined : summary.suspects.intersect(dead)
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
  }
  if (deaths.isEmpty) {
    deaths.dispose()
    confirmed?.dispose()
    return seqs.length === 0 && !withheld && shown.length === 0 ? undefined : { replica, seqs, deaths: undefined, prove: undefined, withheld, attest: false, shown }
  }
  // What the requester has not seen, and the suspects it holds live, go with their evidence; the
  // rest of a large dead set are dots it has seen (dead, mostly), where a bitmap is enough, and a
  // live one among them is named in the next request. A small dead set goes proven whole: one
  // round, for a few bytes a death (the requester holds the leaves and most batches).
  let prove: ClockSet | undefined
  if (signed && deaths.size <= PROVE_ALL_MAX) {
    prove = deaths.clone()
  } else if (signed) {
    prove = deaths.andNot(seenThere)
    if (confirmed != null) prove.union(confirmed)
  }
  if (confirmed != null && confirmed !== deaths) confirmed.dispose()
  return { replica, seqs, deaths, prove, withheld, attest: deaths.max()! > (seenThere.max() ?? 0), shown }
}

/** What the deaths the requester has seen would cost on the wire. */
function seenDeathsBytes (dead: ClockSet, unseenDeaths: ClockSet): number {
  const seen = dead.andNot(unseenDeaths)
  const bytes = seen.serialize().byteLength
  seen.dispose()
  return bytes
}
