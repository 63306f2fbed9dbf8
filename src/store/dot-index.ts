const PAGE_BITS = 6
const PAGE_SIZE = 1 << PAGE_BITS
const PAGE_MASK = PAGE_SIZE - 1
/** Pages the directory may always have, whatever the index holds (64 Ki seqs). */
const MIN_DIRECTORY = 1024
/** Directory slots allowed per value held: bounds the directory by the live data, not by the seqs. */
const DIRECTORY_PER_VALUE = 16
/** Seqs in pages stay below 2^32, so that a page is found with 32-bit shifts. */
const MAX_DIRECTORY = 2 ** (32 - PAGE_BITS)

type Page<T> = Array<T | undefined>

/**
 * A writer's live seqs → their entries. A writer's seqs are dense from 1, so they index pages
 * of 64 slots directly, where a `Map` would hash every seq (and, at a million entries, spend more
 * on growing its table than the whole rest of a write costs). A page is dropped when its last
 * value goes. The directory of pages grows only as far as the values held justify, so a seq far
 * beyond the others (as a remote writer may send) goes to an overflow `Map` instead of
 * allocating a directory for the seqs in between.
 */
export class DotIndex<T> {
  private pages: Array<Page<T> | undefined> = []
  /** Values per page, to drop a page when it empties. */
  private counts: number[] = []
  /** Seqs below this are in pages; the others in `overflow`. */
  private limit = 0
  private overflow: Map<number, T> | undefined
  private count = 0

  get size (): number {
    return this.count
  }

  get (seq: number): T | undefined {
    if (seq < this.limit) return this.pages[seq >>> PAGE_BITS]?.[seq & PAGE_MASK]
    return this.overflow?.get(seq)
  }

  has (seq: number): boolean {
    return this.get(seq) !== undefined
  }

  set (seq: number, value: T): void {
    if (seq >= this.limit && !this.#grow(seq)) {
      this.overflow ??= new Map()
      const before = this.overflow.size
      this.overflow.set(seq, value)
      this.count += this.overflow.size - before
      return
    }
    const p = seq >>> PAGE_BITS
    let page = this.pages[p]
    if (page === undefined) {
      page = new Array<T | undefined>(PAGE_SIZE).fill(undefined)
      this.pages[p] = page
    }
    const slot = seq & PAGE_MASK
    if (page[slot] === undefined) {
      this.counts[p]++
      this.count++
    }
    page[slot] = value
  }

  delete (seq: number): void {
    if (seq >= this.limit) {
      if (this.overflow?.delete(seq) === true) this.count--
      return
    }
    const p = seq >>> PAGE_BITS
    const page = this.pages[p]
    const slot = seq & PAGE_MASK
    if (page === undefined || page[slot] === undefined) return
    this.count--
    if (--this.counts[p] === 0) this.pages[p] = undefined
    else page[slot] = undefined
  }

  /** Extends the directory to cover `seq` if the values held allow it; returns whether it does. */
  #grow (seq: number): boolean {
    const needed = Math.floor(seq / PAGE_SIZE) + 1
    const allowed = Math.min(MAX_DIRECTORY, MIN_DIRECTORY + DIRECTORY_PER_VALUE * this.count)
    if (needed > allowed) return false
    const length = Math.min(allowed, Math.max(needed, this.pages.length * 2))
    // Pushed one by one, the arrays stay packed: a hole made by assigning far past the end can
    // turn a large array into a dictionary.
    while (this.pages.length < length) {
      this.pages.push(undefined)
      this.counts.push(0)
    }
    this.limit = length * PAGE_SIZE
    const overflow = this.overflow
    if (overflow != null) {
      for (const [moved, value] of overflow) {
        if (moved >= this.limit) continue
        overflow.delete(moved)
        this.count--
        this.set(moved, value)
      }
    }
    return true
  }
}
