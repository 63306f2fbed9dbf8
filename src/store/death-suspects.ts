import { ClockSet } from './clock-set.ts'
import { NO_ROW, type EntryRows, type Row } from './entry-rows.ts'
import type { ReplicaState } from './replica-state.ts'

/**
 * The most suspects a store keeps between a diff and the request after it, and the most a diff
 * request may name in all (a decoder refuses more): the responder hashes each one it confirms,
 * so a request's cost stays bounded whatever its bitmaps claim.
 */
export const MAX_SUSPECTS = 65_536


/**
 * Dots this store holds live that a diff just put a sibling beside: when a responder withholds
 * the deaths this store has seen ({@link DiffRequest.narrowDeaths}), these are where they most
 * likely are, since an overwrite arrives as a new entry at the same key while the death of the
 * entry it replaced stays behind. The next full request names them (`ReplicaSummary.suspects`),
 * and the responder answers with those it knows dead; a suspect wrongly named costs a few bytes,
 * a death not suspected makes the responder send every death, as before. Hints only: never
 * persisted, named only after an answer withheld deaths, and forgotten by the next full request.
 */
export class DeathSuspects {
  readonly #seqs = new Map<ReplicaState, number[]>()
  #count = 0
  #wanted = false

  /** An answer withheld deaths: the next full request names the suspects. */
  want (): void {
    this.#wanted = true
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

  /** The suspects of one writer still live here, if an answer withheld deaths; undefined if none. */
  take (replica: ReplicaState): ClockSet | undefined {
    const seqs = this.#seqs.get(replica)
    if (seqs == null || !this.#wanted) return undefined
    this.#seqs.delete(replica)
    this.#count -= seqs.length
    const live = seqs.filter((seq) => replica.live.has(seq)).sort((a, b) => a - b)
    if (live.length === 0) return undefined
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
