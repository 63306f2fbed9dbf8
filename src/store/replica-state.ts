import { ClockSet } from './clock-set.ts'
import { DotIndex } from './dot-index.ts'
import { SetDigest, dotHashA, dotHashB, replicaSeeds } from './dot-hash.ts'
import { replicaIdToBytes } from './replica-id.ts'
import { SeenDigest } from './seen-digest.ts'
import { WriterProofs } from './writer-keys/writer-proofs.ts'
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
  /** Live seq → its entry's row, to find what a death or a diff names. */
  readonly dots = new DotIndex<Row>()
  /** This writer's number in the store's rows (see EntryRows.addWriter). */
  index = -1
  /** The writer's card and the signed batches this store holds of it. */
  readonly proofs = new WriterProofs()

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

  /** Marks `[start, end)` — a local transaction's new dots, none seen before — seen and live, hashing each once. */
  addFreshRange (start: number, end: number): void {
    this.seen.addRange(start, end)
    this.live.addRange(start, end)
    this.seenDigest.addRange(start, end)
    this.liveDigest.addRange(this.seedA, this.seedB, start, end)
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
  }

  addLive (seq: number, row: Row): void {
    this.live.add(seq)
    this.dots.set(seq, row)
    this.liveDigest.add(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
  }

  /** Indexes a live entry whose seq a range add already put in `live` and `liveDigest`. */
  indexLive (seq: number, row: Row): void {
    this.dots.set(seq, row)
  }

  removeLive (seq: number): void {
    this.live.remove(seq)
    this.dots.delete(seq)
    this.liveDigest.subtract(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
  }

  /** The digest of the live seqs not in `seqs`. */
  liveDigestWithout (seqs: Iterable<number>): SetDigest {
    const digest = this.liveDigest.copy()
    for (const seq of seqs) digest.subtract(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
    return digest
  }
}
