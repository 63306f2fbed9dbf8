import { ClockSet } from './clock-set.ts'
import { DotIndex } from './dot-index.ts'
import { SetDigest, dotHashA, dotHashB, leafHashA, leafHashB, replicaSeeds } from './dot-hash.ts'
import { replicaIdToBytes } from './replica-id.ts'
import { SeenDigest } from './seen-digest.ts'
import { WriterProofs } from './writer-keys/writer-proofs.ts'
import type { BatchProof } from './diff.ts'
import type { Row } from './entry-rows.ts'
import type { ReplicaId } from './types.ts'

/** Everything one store knows of one writer: its seen and live seqs, their digests, and an index of live dots. */
export class ReplicaState {
  readonly id: ReplicaId
  readonly idBytes: Uint8Array
  readonly seedA: number
  readonly seedB: number
  readonly seen = new ClockSet()
  readonly live = new ClockSet()
  readonly seenDigest: SeenDigest
  readonly liveDigest = new SetDigest()
  /**
   * The digest of what the live entries are: the sum of the leaf words (`leafHashA`/`B`) of every
   * live seq a proof here covers. The live digest hashes dots only; this one tells apart two
   * stores holding different signed versions of one dot (an equivocation neither has seen yet).
   */
  readonly contentDigest = new SetDigest()
  /** Live seq → its entry's row, to find what a death or a diff names. */
  readonly dots = new DotIndex<Row>()
  /** This writer's number in the store's rows (see EntryRows.addWriter). */
  index = -1
  /** The writer's card and the signed batches this store holds of it. */
  readonly proofs = new WriterProofs((proof) => { this.#leavesKept(proof) })

  constructor (id: ReplicaId) {
    this.id = id
    this.idBytes = replicaIdToBytes(id)
    ;[this.seedA, this.seedB] = replicaSeeds(this.idBytes)
    this.seenDigest = new SeenDigest(this.seedA, this.seedB)
  }

  markSeen (seq: number): void {
    this.seen.add(seq)
    this.seenDigest.addSeq(seq)
  }

  /**
   * Marks `[start, end)` — a local transaction's new dots, none seen before — seen and live;
   * `liveA` and `liveB` are their live-digest hashes summed (the transaction sums them as it goes).
   */
  addFreshRange (start: number, end: number, liveA: number, liveB: number): void {
    this.seen.addRange(start, end)
    this.live.addRange(start, end)
    this.seenDigest.addRange(start, end)
    this.liveDigest.add(liveA, liveB)
    // A commit's leaves are sealed after it (the proof then adds them), unless a proof is here first.
    if (this.proofs.attestedMax >= start) for (let seq = start; seq < end; seq++) this.#addContent(seq)
  }

  /**
   * Marks every seq of `seqs` that is not yet seen as seen (and so dead), in work linear in the
   * two sets' sizes as bitmaps, however many seqs they claim: the digest takes in all of `seqs`
   * and gives back those already seen, run by run.
   */
  markSeenDead (seqs: ClockSet): void {
    const already = seqs.intersect(this.seen)
    this.seenDigest.addSet(seqs)
    this.seenDigest.subtractSet(already)
    already.dispose()
    this.seen.union(seqs)
  }

  /**
   * Records entries (their `rows`) none of whose `seqs` were seen before (a diff's fresh entries)
   * as seen and live, with one call into the backend per set.
   */
  addFresh (rows: readonly Row[], seqs: readonly number[]): void {
    this.seen.addMany(seqs)
    this.live.addMany(seqs)
    // Seqs ascend, mostly in runs (a sync from scratch): the seen digest takes each run at once.
    let runStart = seqs[0]
    for (let i = 1; i <= seqs.length; i++) {
      if (i < seqs.length && seqs[i] === seqs[i - 1] + 1) continue
      this.seenDigest.addRange(runStart, seqs[i - 1] + 1)
      runStart = seqs[i]
    }
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i]
      this.dots.set(seq, rows[i])
      this.liveDigest.add(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
    }
    // One walk along the proofs, not a search per seq (and none at all with writer keys off).
    const content = this.contentDigest
    this.proofs.leavesOf(seqs, (leaves, at) => { content.add(leafHashA(leaves, at), leafHashB(leaves, at)) })
  }

  addLive (seq: number, row: Row): void {
    this.live.add(seq)
    this.dots.set(seq, row)
    this.liveDigest.add(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
    this.#addContent(seq)
  }

  /** Indexes a live entry whose seq a range add already put in `live` and `liveDigest`. */
  indexLive (seq: number, row: Row): void {
    this.dots.set(seq, row)
  }

  removeLive (seq: number): void {
    this.live.remove(seq)
    this.dots.delete(seq)
    this.liveDigest.subtract(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
    const leaf = this.proofs.leafAt(seq)
    if (leaf != null) this.contentDigest.subtract(leafHashA(leaf), leafHashB(leaf))
  }

  /** The digest of the live seqs not in `seqs`. */
  liveDigestWithout (seqs: Iterable<number>): SetDigest {
    const digest = this.liveDigest.copy()
    for (const seq of seqs) digest.subtract(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
    return digest
  }

  /** A live seq's leaf joins the content digest (the content digest holds exactly the live seqs a proof covers). */
  #addContent (seq: number): void {
    const leaf = this.proofs.leafAt(seq)
    if (leaf != null) this.contentDigest.add(leafHashA(leaf), leafHashB(leaf))
  }

  /** A proof newly kept: the live seqs it covers now have their leaves. */
  #leavesKept (proof: BatchProof): void {
    for (let seq = proof.first; seq < proof.first + proof.count; seq++) if (this.live.has(seq)) this.#addContent(seq)
  }
}
