import { EMPTY_DIFF, type Diff, type DiffGroup, type PackedEntries } from './diff.ts'
import { NO_ROW, type Row } from './entry-rows.ts'
import { foreignDotInDiff, foreignDotInOps } from './own-dots.ts'
import { checkDiff, checkOps } from './validate.ts'
import { WriteRecords } from './write-record.ts'
import type { AdoptedMessage, ChainTable } from './chain-table.ts'
import type { DeathSuspects } from './death-suspects.ts'
import type { ForeignDotError } from './errors.ts'
import type { BatchProof } from './diff.ts'
import { ClockSet } from './clock-set.ts'
import { LEAF_BYTES, isZeroLeaf } from './writer-keys/batch-digest.ts'
import { DeathsRefusedEvent } from './writer-keys/deaths-refused-event.ts'
import { FrameEvidence } from './writer-keys/death-evidence.ts'
import type { GroupProofs } from './writer-keys/diff-proofs.ts'
import type { EquivocationEvent } from './writer-keys/equivocation-event.ts'
import type { Intake } from './writer-keys/unsigned-intake.ts'
import type { HybridClock } from './hlc.ts'
import type { ReplicaState } from './replica-state.ts'
import type { Hlc, Op, ReplicaId, SignedBatch } from './types.ts'
import type { RemovalCause } from './writer-keys/writer-proofs.ts'
import type { WriterTable } from './writer-table.ts'

/** The parts of a store that remote ops and diffs change. */
export interface IntegrationTarget {
  readonly chains: ChainTable
  readonly writers: WriterTable
  readonly clock: HybridClock
  /** Where deaths an answer withheld likely are, for the request after it. */
  readonly suspects: DeathSuspects
  /** This replica, and the seq its next local set takes: ours from it on were never issued. */
  readonly local: ReplicaState
  readonly nextSeq: number
  /** Checks writers' signatures, keeps their proofs, holds removals whose entry has not come (or, with writer keys off, none of it). */
  readonly intake: Intake
  /** A verified proof the store keeps from now on (its persistence saves it). */
  proved: (writer: ReplicaState, proof: BatchProof) => void
}

/** What an integration changed, and the equivocations it found (their dots died in it). */
export interface Integrated {
  readonly records: WriteRecords
  readonly equivocations: EquivocationEvent[]
}

/**
 * Applies remote ops, checked first: a bad batch throws and changes nothing, and a batch naming a
 * dot of this replica's own id that it never issued throws {@link ForeignDotError}. Every op must
 * be in a batch signed by its writer's key (else `InvalidSignatureError`), and a removal takes
 * effect only on the entry its tag names. Returns the chains it changed.
 */
export function integrateOps (target: IntegrationTarget, ops: readonly Op[]): Integrated {
  checkOps(ops)
  const foreign = foreignDotInOps(ops, target.local.id, target.nextSeq)
  if (foreign != null) throw foreign
  const { intake, writers } = target
  // The batch that signed each op's removals: the evidence of the deaths they cause.
  const causes = new Map<SignedBatch, RemovalCause>()
  for (const { replica, card, proof, batch } of intake.checkOps(ops)) {
    const writer = writers.writer(replica)
    intake.keep(writer, card, proof, (kept) => { target.proved(writer, kept) })
    if (proof.removals != null && proof.removals.length > 0) causes.set(batch, { remover: replica, batch: proof })
  }
  const records = new WriteRecords(target.chains.rows)
  for (const op of ops) {
    const cause = op.batch == null ? undefined : causes.get(op.batch)
    // Indexed: most ops share one frozen empty list, which V8 iterates by `for…of` 10× slower.
    const removes = op.removes
    for (let i = 0; i < removes.length; i++) {
      const dot = removes[i]
      const replica = intake.removalTarget(dot, cause)
      if (replica != null) kill(target, replica, dot.seq, records)
    }
    if (op.kind === 'set') integrateEntry(target, op.key, op.value, op.dot.replica, op.dot.seq, op.hlc, records)
  }
  return { records, equivocations: settleEquivocations(target, records) }
}

/**
 * Applies a diff (or one frame of it): entries first, then deaths. A bad diff throws and changes
 * nothing, as does an entry no proof signed by its writer's key covers (`InvalidSignatureError`).
 * Deaths beyond the highest seq a writer's key attested are left out, and returned for the store
 * to report (`deathsRefused`). Entries and deaths of this replica's own id that it never issued
 * are left out too, and returned for the store to report (or handed to `refused` when the frame
 * is refused for its signatures).
 */
export function integrateDiff (target: IntegrationTarget, diff: Diff, refused: (foreign: ForeignDotError) => void): Integrated & { foreign: ForeignDotError | undefined, deathsRefused: DeathsRefusedEvent[] } {
  const { chains, writers, local, nextSeq, suspects, intake } = target
  const records = new WriteRecords(chains.rows)
  const deathsRefused: DeathsRefusedEvent[] = []
  if (diff === EMPTY_DIFF) return { records, equivocations: [], foreign: undefined, deathsRefused }
  // Packed entries are trusted only as a decoder left them; anything else is checked as objects.
  const decoded = checkDiff(diff)
  const foreign = foreignDotInDiff(diff, local.id, nextSeq)
  let checked
  try {
    checked = intake.checkDiff(diff)
  } catch (err) {
    // A frame refused for its signatures still reports our own unissued dots in it.
    if (foreign != null) refused(foreign)
    throw err
  }
  // Checked before anything changes: a whole batch of evidence whose signature fails refuses the frame.
  const evidence = new FrameEvidence(diff, checked, (id) => writers.get(id))
  checked.forEach((group, i) => {
    if (group.proofs.length === 0) return
    const writer = writers.writer(diff.groups[i].replica)
    for (const proof of group.proofs) intake.keep(writer, group.card!, proof, (kept) => { target.proved(writer, kept) })
  })
  if (evidence.unchecked) target.suspects.uncheckedEvidence()
  for (const { remover, card, proof } of evidence.whole) {
    const writer = writers.writer(remover)
    intake.keep(writer, card, proof, (kept) => { target.proved(writer, kept) })
  }
  // Every group of a decoded diff reads the decoder's one copy of the message: it becomes an
  // arena chunk once an entry stays in it.
  const message: AdoptedMessage = { chunk: -1, adopted: 0 }
  for (const group of diff.groups) integrateEntries(target, group, decoded ? group.packed : undefined, records, message)
  // What the new entries joined at their keys: where deaths withheld from this diff likely are.
  for (let i = 0; i < records.length; i++) suspects.note(chains.rows, records.before(i))
  if (diff.deathsWithheld === true) suspects.want()
  if (message.adopted > 0) chains.pin(message, diff.groups[0].packed!.bytes.byteLength)
  diff.groups.forEach((group, i) => {
    if (group.deaths == null || group.deaths.isEmpty) return
    const replica = writers.forRemoval(group.replica)
    if (replica == null) return
    // Our own seqs beyond what we issued are never taken in, nor anyone's beyond what their key attested.
    const limit = replica === local ? nextSeq : intake.deathLimit(replica)
    const deaths = group.deaths.max()! >= limit ? group.deaths.slice(1, limit) : group.deaths
    if (deaths !== group.deaths && replica !== local) deathsRefused.push(new DeathsRefusedEvent(replica.id, limit))
    if (intake.signed) {
      const refused = takeProvenDeaths(target, replica, deaths, checked[i], evidence, records)
      if (refused != null) deathsRefused.push(refused)
    } else {
      const killed = deaths.intersect(replica.live)
      for (const seq of killed) kill(target, replica, seq, records)
      killed.dispose()
      replica.markSeenDead(deaths)
    }
    writers.seenChanged.add(replica)
    if (deaths !== group.deaths) deaths.dispose()
  })
  return { records, equivocations: settleEquivocations(target, records), foreign, deathsRefused }
}

/**
 * Takes the deaths a diff names that are proven: a live entry dies only by a cause this store
 * holds or the frame brought (a signed removal whose tag matches its leaf, its writer's zero leaf,
 * an equivocation pair), and an unseen seq is seen dead only so. A live entry called dead
 * without evidence stays, and is named as a suspect in the next request, whose answer must prove
 * it; still unproven then, or unseen, the death is refused (returned, to count against the peer).
 */
function takeProvenDeaths (target: IntegrationTarget, replica: ReplicaState, deaths: ClockSet, group: GroupProofs, evidence: FrameEvidence, records: WriteRecords): DeathsRefusedEvent | undefined {
  const { proofs } = replica
  let refused = 0
  let first = Number.POSITIVE_INFINITY
  const live = deaths.intersect(replica.live)
  for (const seq of live) {
    const cause = evidence.causeOf(replica.id, seq)
    if (cause != null) proofs.noteRemoval(seq, cause)
    if (cause != null || proofs.causeOf(seq) != null) {
      kill(target, replica, seq, records)
      target.suspects.settle(replica, seq)
    } else if (target.suspects.wasNamed(replica, seq)) {
      refused++
      first = Math.min(first, seq)
      target.suspects.settle(replica, seq)
    } else {
      target.suspects.doubt(replica, seq)
    }
  }
  live.dispose()
  const unseen = deaths.andNot(replica.seen)
  if (!unseen.isEmpty) {
    // Candidates come from the evidence (bounded by the frame's bytes), never from the claim.
    const candidates: number[] = []
    for (const seq of evidence.seqsOf(replica.id)) {
      if (!unseen.has(seq)) continue
      candidates.push(seq)
      proofs.noteRemoval(seq, evidence.causeOf(replica.id, seq)!)
    }
    for (const seq of proofs.equivocatedSeqs()) if (unseen.has(seq)) candidates.push(seq)
    for (const proof of group.proofs) {
      for (let seq = proof.first; seq < proof.first + proof.count; seq++) if (unseen.has(seq) && isZeroLeaf(proof.leaves, (seq - proof.first) * LEAF_BYTES)) candidates.push(seq)
    }
    const proven = new ClockSet()
    proven.addMany(candidates.sort((a, b) => a - b))
    replica.markSeenDead(proven)
    const left = unseen.andNot(proven)
    if (!left.isEmpty) {
      refused += left.size
      first = Math.min(first, left.min()!)
    }
    left.dispose()
    proven.dispose()
  }
  unseen.dispose()
  return refused === 0 ? undefined : new DeathsRefusedEvent(replica.id, first, 'unproven', refused)
}

/**
 * A diff group's entries, with one call into the bitmap backend for all of them. A decoded
 * group's entries are read in place (`packed`), with no object made per entry, and stay there:
 * `message` counts the bytes of it they keep, and its chunk number once one does.
 */
function integrateEntries (target: IntegrationTarget, group: DiffGroup, packed: PackedEntries | undefined, records: WriteRecords, message: AdoptedMessage): void {
  const count = packed?.count ?? group.entries.length
  if (count === 0) return
  const { chains } = target
  const rows = chains.rows
  const replica = target.writers.writer(group.replica)
  // Seqs above the highest seen need no lookup: in a sync from scratch, that is all of them.
  const seenMax = replica.seen.max() ?? 0
  // Ours we never issued are left out (reported by the caller).
  const limit = replica === target.local ? target.nextSeq : Number.POSITIVE_INFINITY
  const fresh: Row[] = []
  const seqs: number[] = []
  let latest = NO_ROW
  chains.reserve(count)
  const take = (row: Row, seq: number): void => {
    fresh.push(row)
    seqs.push(seq)
    if (latest === NO_ROW || rows.compareClocks(row, latest) > 0) latest = row
  }
  if (packed != null) {
    packed.rewind()
    while (packed.next()) {
      const { seq, bytes, keyStart, keyLength, valueLength } = packed
      if ((seq <= seenMax && replica.seen.has(seq)) || seq >= limit) continue
      if (removedOnArrival(target, replica, seq)) continue
      // Kept where it arrived: the message is the decoder's own copy, key and value side by side.
      take(chains.placeAdopted(message, bytes, keyStart, keyLength, valueLength, replica, seq, packed.hlc, records), seq)
    }
  } else {
    for (const { key, value, seq, hlc } of group.entries) {
      if ((seq <= seenMax && replica.seen.has(seq)) || seq >= limit) continue
      if (removedOnArrival(target, replica, seq)) continue
      take(chains.placeCopy(key, value, replica, seq, hlc, records), seq)
    }
  }
  if (fresh.length === 0) return
  replica.addFresh(fresh, seqs)
  target.writers.seenChanged.add(replica)
  target.clock.observe(rows.hlc(latest))
}

function integrateEntry (target: IntegrationTarget, key: Uint8Array, value: Uint8Array, replicaId: ReplicaId, seq: number, hlc: Hlc, records: WriteRecords): void {
  const replica = target.writers.writer(replicaId)
  if (replica.seen.has(seq)) return
  if (removedOnArrival(target, replica, seq)) return
  const row = target.chains.placeCopy(key, value, replica, seq, hlc, records)
  replica.markSeen(seq)
  target.writers.seenChanged.add(replica)
  replica.addLive(seq, row)
  target.clock.observe(hlc)
}

/** Whether an arriving entry was removed before it came (a removal waited for it): then it is seen, and dead. */
function removedOnArrival (target: IntegrationTarget, replica: ReplicaState, seq: number): boolean {
  if (!target.intake.removedOnArrival(replica, seq)) return false
  replica.markSeen(seq)
  target.writers.seenChanged.add(replica)
  return true
}

/**
 * A dot its writer's key signed two different entries for dies, whichever this store held:
 * every store that learns of both versions makes the same choice (neither), and the death
 * reaches those that saw only one by the next pull.
 */
function settleEquivocations (target: IntegrationTarget, records: WriteRecords): EquivocationEvent[] {
  const found = target.intake.takeEquivocations()
  for (const event of found) {
    const replica = target.writers.get(event.replica)
    if (replica != null) kill(target, replica, event.seq, records)
  }
  return found
}

/** Marks a dot dead: unlinks its entry if live, and records it as seen. */
function kill (target: IntegrationTarget, replica: ReplicaState, seq: number, records: WriteRecords): void {
  const row = replica.dots.get(seq)
  if (row === undefined) {
    if (!replica.seen.has(seq)) {
      replica.markSeen(seq)
      target.writers.seenChanged.add(replica)
    }
    return
  }
  replica.removeLive(seq)
  target.chains.remove(row, records)
}
