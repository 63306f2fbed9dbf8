import { ClockSet } from './clock-set.ts'
import { SetDigest, dotHashA, dotHashB, replicaSeeds } from './dot-hash.ts'
import { replicaIdToBytes } from './replica-id.ts'
import type { ReplicaId } from './types.ts'

/** One live value at a key. Immutable except for being unlinked, so a chain can be shared. */
export class Entry {
  readonly key: string
  readonly value: Uint8Array
  readonly replica: ReplicaState
  readonly seq: number
  readonly wall: number
  readonly counter: number
  /** The next sibling at the same key (concurrent writes), usually none. */
  readonly next: Entry | undefined

  constructor (key: string, value: Uint8Array, replica: ReplicaState, seq: number, wall: number, counter: number, next: Entry | undefined) {
    this.key = key
    this.value = value
    this.replica = replica
    this.seq = seq
    this.wall = wall
    this.counter = counter
    this.next = next
  }

  withNext (next: Entry | undefined): Entry {
    return new Entry(this.key, this.value, this.replica, this.seq, this.wall, this.counter, next)
  }
}

/** Orders siblings: the greater wins (later HLC, then greater replica id bytes). */
export function compareEntries (a: Entry, b: Entry): number {
  if (a.wall !== b.wall) return a.wall - b.wall
  if (a.counter !== b.counter) return a.counter - b.counter
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
  readonly seenDigest = new SetDigest()
  readonly liveDigest = new SetDigest()
  /** Live seq → its entry, to find what a death or a diff names. */
  readonly dots = new Map<number, Entry>()

  constructor (id: ReplicaId) {
    this.id = id
    this.idBytes = replicaIdToBytes(id)
    ;[this.seedA, this.seedB] = replicaSeeds(this.idBytes)
  }

  markSeen (seq: number): void {
    this.seen.add(seq)
    this.seenDigest.add(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
  }

  /** Marks `[start, end)` seen; none of them may have been seen before. */
  markSeenRange (start: number, end: number): void {
    this.seen.addRange(start, end)
    for (let seq = start; seq < end; seq++) this.seenDigest.add(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
  }

  /** Marks every seq of `seqs` that is not yet seen as seen (and so dead). */
  markSeenDead (seqs: ClockSet): void {
    const fresh = seqs.andNot(this.seen)
    for (const seq of fresh) this.seenDigest.add(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
    this.seen.union(fresh)
    fresh.dispose()
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

  /** Adds `[start, end)` to `live` (and its digest) without indexing entries. */
  addLiveRange (start: number, end: number): void {
    this.live.addRange(start, end)
    for (let seq = start; seq < end; seq++) this.liveDigest.add(dotHashA(this.seedA, seq), dotHashB(this.seedB, seq))
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
