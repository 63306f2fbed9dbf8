import { ClockSet } from './clock-set.ts'
import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'
import type { ReplicaState } from './replica-state.ts'

/**
 * The most suspects a store keeps between a diff and the request after it, and the most a diff
 * request may name in all (a decoder refuses more): the responder hashes each one it confirms,
 * so a request's cost stays bounded whatever its bitmaps claim.
 */
export const MAX_SUSPECTS = 65_536


/** How many full requests name one doubt at most: a responder that knows the death may not be the next one asked. */
export const MAX_DOUBT_NAMINGS = 4

/**
 * Dots this store holds live that a responder likely knows dead, named in the next full request
 * (`ReplicaSummary.suspects`), whose answer then brings those deaths. Two kinds:
 * - entries a diff just put a sibling beside: when a responder withholds the deaths this store
 *   has seen ({@link DiffRequest.narrowDeaths}), these are where they most likely are, since an
 *   overwrite arrives as a new entry at the same key while the death of the entry it replaced
 *   stays behind. Named once, only after an answer withheld deaths; a suspect wrongly named costs
 *   a few bytes, a death not suspected makes the responder send every death, as before.
 * - *doubts*: live entries a diff called dead without evidence (or with evidence that does not
 *   match the version held here). Named in the next full requests, which ask for evidence in
 *   full (`DiffRequest.fullEvidence`), until an answer names their deaths: proven, they die; still
 *   unproven from a responder they were named to, the death is refused. A doubt no answer
 *   speaks of is forgotten after {@link MAX_DOUBT_NAMINGS} requests.
 * Hints only, never persisted.
 */
export class DeathSuspects {
  readonly #seqs = new Map<ReplicaState, number[]>()
  #count = 0
  #wanted = false
  /** Doubts, with how many requests named each. */
  readonly #doubts = new Map<ReplicaState, Map<number, number>>()
  #doubtCount = 0
  /** Named in the last full request: an answer that still calls one dead without evidence is refused. */
  readonly #named = new Map<ReplicaState, Set<number>>()
  /** A diff left a live entry in doubt since the last full request: the pull asks once more. */
  #doubted = false
  /** Full requests left that ask for evidence in full, since evidence could not be checked. */
  #fullEvidence = 0

  /** An answer withheld deaths: the next full request names the suspects. */
  want (): void {
    this.#wanted = true
  }

  /** A diff called `seq` of `replica` dead without evidence while it lives here. */
  doubt (replica: ReplicaState, seq: number): void {
    let seqs = this.#doubts.get(replica)
    if (seqs?.has(seq) === true) return
    if (this.#doubtCount >= MAX_SUSPECTS) return
    if (seqs == null) this.#doubts.set(replica, seqs = new Map())
    seqs.set(seq, 0)
    this.#doubtCount++
    this.#doubted = true
  }

  /** The doubt is settled: the death was proven, or refused. */
  settle (replica: ReplicaState, seq: number): void {
    const seqs = this.#doubts.get(replica)
    if (seqs?.delete(seq) !== true) return
    this.#doubtCount--
    if (seqs.size === 0) this.#doubts.delete(replica)
  }

  /** Whether a diff left live entries in doubt since the last full request: that pull asks once more. */
  get doubted (): boolean {
    return this.#doubted
  }

  /** Evidence came that could not be checked (a tag taken from our leaf names another version): the next full requests ask for it in full. */
  uncheckedEvidence (): void {
    this.#fullEvidence = MAX_DOUBT_NAMINGS
    this.#doubted = true
  }

  /** Whether the full request being made asks for evidence in full (doubts to name, or evidence that could not be checked). */
  wantsFullEvidence (): boolean {
    if (this.#fullEvidence > 0) {
      this.#fullEvidence--
      return true
    }
    return this.#doubtCount > 0
  }

  /** Whether the last full request named `seq` of `replica` as a suspect. */
  wasNamed (replica: ReplicaState, seq: number): boolean {
    return this.#named.get(replica)?.has(seq) === true
  }

  /** A full request is being made: it names the suspects anew. */
  forgetNamed (): void {
    this.#named.clear()
    this.#doubted = false
  }

  /** Notes every entry of a key's chain (from `head`) as it was before a diff's entry joined it. */
  note (rows: EntryRows, head: Row): void {
    for (let row = head; row !== NO_ROW && this.#count < MAX_SUSPECTS; row = rows.next(row)) {
      const writer = rows.writer(row)
      let seqs = this.#seqs.get(writer)
      if (seqs == null) this.#seqs.set(writer, seqs = [])
      seqs.push(rows.seq(row))
      this.#count++
    }
  }

  /** The suspects of one writer still live here (its doubts, and the others if an answer withheld deaths); undefined if none. */
  take (replica: ReplicaState): ClockSet | undefined {
    const noted = this.#seqs.get(replica)
    const doubts = this.#doubts.get(replica)
    if ((noted == null || !this.#wanted) && doubts == null) return undefined
    const seqs: number[] = []
    if (noted != null && this.#wanted) {
      this.#seqs.delete(replica)
      this.#count -= noted.length
      seqs.push(...noted)
    }
    if (doubts != null) {
      for (const [seq, named] of doubts) {
        if (named >= MAX_DOUBT_NAMINGS || !replica.live.has(seq)) this.settle(replica, seq)
        else {
          doubts.set(seq, named + 1)
          seqs.push(seq)
        }
      }
    }
    const live = [...new Set(seqs.filter((seq) => replica.live.has(seq)))].sort((a, b) => a - b)
    if (live.length === 0) return undefined
    this.#named.set(replica, new Set(live))
    const set = new ClockSet()
    set.addMany(live)
    return set
  }

  clear (): void {
    this.#seqs.clear()
    this.#count = 0
    this.#wanted = false
  }
}
