import { ClockSet } from './clock-set.ts'
import { DotIndex } from './dot-index.ts'
import { SetDigest, dotHashA, dotHashB, replicaSeeds } from './dot-hash.ts'
import { replicaIdToBytes } from './replica-id.ts'
import { SeenDigest } from './seen-digest.ts'
import { WriterProofs } from './writer-keys/writer-proofs.ts'
import type { DiffEntry } from './diff.ts'
import type { Hlc, ReplicaId } from './types.ts'

/** A 48-bit wall is kept as two 24-bit halves: small integers, which V8 stores in the entry itself. */
const WALL_SPLIT = 2 ** 24

/**
 * One live value at a key. Immutable but for where its bytes live (compaction moves them), so
 * a chain can be shared; the key's and value's bytes sit side by side in the store's EntryArena.
 * A diff carries entries as they are: an Entry is a {@link DiffEntry}.
 */
export class Entry implements DiffEntry {
  chunk: Uint8Array
  /** Where the key starts in `chunk`; the value follows it. */
  offset: number
  readonly keyLength: number
  readonly valueLength: number
  /** The key's hash, as the KeyIndex files it. */
  readonly hash: number
  readonly replica: ReplicaState
  readonly seq: number
  // The clock as small integers: an Hlc object per entry (and the boxed double of its wall)
  // outlived every op synced one by one, and the collector paid for them all.
  readonly wallHigh: number
  readonly wallLow: number
  readonly counter: number
  /** The next sibling at the same key (concurrent writes), usually none. */
  readonly next: Entry | undefined

  constructor (chunk: Uint8Array, offset: number, keyLength: number, valueLength: number, hash: number, replica: ReplicaState, seq: number, wall: number, counter: number, next: Entry | undefined) {
    this.chunk = chunk
    this.offset = offset
    this.keyLength = keyLength
    this.valueLength = valueLength
    this.hash = hash
    this.replica = replica
    this.seq = seq
    this.wallHigh = Math.floor(wall / WALL_SPLIT)
    this.wallLow = wall - this.wallHigh * WALL_SPLIT
    this.counter = counter
    this.next = next
  }

  get wall (): number {
    return this.wallHigh * WALL_SPLIT + this.wallLow
  }

  /** The entry's clock, as a new object. */
  get hlc (): Hlc {
    return { wall: this.wall, counter: this.counter }
  }

  /** The key's bytes: a view into the arena, not to be mutated. */
  get key (): Uint8Array {
    return this.chunk.subarray(this.offset, this.offset + this.keyLength)
  }

  /** The value's bytes: a view into the arena, not to be mutated. */
  get value (): Uint8Array {
    const start = this.offset + this.keyLength
    return this.chunk.subarray(start, start + this.valueLength)
  }

  /** Key and value bytes together, as the arena counts them. */
  get byteLength (): number {
    return this.keyLength + this.valueLength
  }

  /** Whether the key is the `length` bytes at `start` in `bytes`. */
  keyEquals (bytes: Uint8Array, start: number, length: number): boolean {
    if (length !== this.keyLength) return false
    const chunk = this.chunk
    const offset = this.offset
    for (let i = 0; i < length; i++) if (chunk[offset + i] !== bytes[start + i]) return false
    return true
  }

  withNext (next: Entry | undefined): Entry {
    return new Entry(this.chunk, this.offset, this.keyLength, this.valueLength, this.hash, this.replica, this.seq, this.wall, this.counter, next)
  }
}

/** Orders two entries' clocks, as compareHlc orders timestamps. */
export function compareClocks (a: Entry, b: Entry): number {
  if (a.wallHigh !== b.wallHigh) return a.wallHigh - b.wallHigh
  if (a.wallLow !== b.wallLow) return a.wallLow - b.wallLow
  return a.counter - b.counter
}

/** Orders siblings: the greater wins (later HLC, then greater replica id bytes). */
export function compareEntries (a: Entry, b: Entry): number {
  const byClock = compareClocks(a, b)
  if (byClock !== 0) return byClock
  return a.replica.id < b.replica.id ? -1 : a.replica.id > b.replica.id ? 1 : a.seq - b.seq
}

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
  /** Live seq → its entry, to find what a death or a diff names. */
  readonly dots = new DotIndex<Entry>()
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
    for (let seq = start; seq < end; seq++) this.liveDigest.add(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
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
   * Records entries none of whose seqs were seen before (a diff's fresh entries) as seen and
   * live, with one call into the backend per set.
   */
  addFresh (entries: readonly Entry[], seqs: readonly number[]): void {
    this.seen.addMany(seqs)
    this.live.addMany(seqs)
    // Seqs ascend, mostly in runs (a sync from scratch): the seen digest takes each run at once.
    let runStart = seqs[0]
    for (let i = 1; i <= seqs.length; i++) {
      if (i < seqs.length && seqs[i] === seqs[i - 1] + 1) continue
      this.seenDigest.addRange(runStart, seqs[i - 1] + 1)
      runStart = seqs[i]
    }
    for (const entry of entries) {
      this.dots.set(entry.seq, entry)
      this.liveDigest.add(dotHashA(this.seedA, entry.seq), dotHashB(this.seedB, entry.seq))
    }
  }

  addLive (entry: Entry): void {
    this.live.add(entry.seq)
    this.dots.set(entry.seq, entry)
    this.liveDigest.add(dotHashA(this.seedA, entry.seq), dotHashB(this.seedB, entry.seq))
  }

  /** Indexes a live entry whose seq a range add already put in `live` and `liveDigest`. */
  indexLive (entry: Entry): void {
    this.dots.set(entry.seq, entry)
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
