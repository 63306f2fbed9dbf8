import { TAG_BYTES } from './batch-digest.ts'
import type { ReplicaId } from '../types.ts'
import type { RemovalCause } from './writer-proofs.ts'

/** A waiting removal: the tag it names, and the batch that signed it. */
interface Waiting {
  readonly tag: Uint8Array
  readonly cause: RemovalCause
}

/**
 * Removals whose entry this store has not seen yet: each waits until its entry arrives, then
 * removes it if the tag matches. Bounded: beyond `max` the oldest is forgotten (a pull from a
 * peer that saw the removal repairs it). A removal naming a seq that will never be written, or
 * an entry it does not match, simply never takes effect.
 */
export class PendingRemovals {
  readonly #max: number
  readonly #waiting = new Map<string, Waiting[]>()
  #count = 0

  constructor (max: number) {
    this.#max = max
  }

  get size (): number {
    return this.#count
  }

  add (replica: ReplicaId, seq: number, tag: Uint8Array, cause: RemovalCause): void {
    if (this.#max === 0) return
    const key = `${replica}:${seq}`
    const tags = this.#waiting.get(key)
    if (tags?.some((known) => sameTag(known.tag, tag)) === true) return
    while (this.#count >= this.#max) this.#evictOldest()
    if (tags == null) this.#waiting.set(key, [{ tag, cause }])
    else tags.push({ tag, cause })
    this.#count++
  }

  /** The signed removal waiting for this entry (named by its leaf), if any; it is then done. */
  take (replica: ReplicaId, seq: number, leaf: Uint8Array): RemovalCause | undefined {
    if (this.#count === 0) return undefined
    const key = `${replica}:${seq}`
    const tags = this.#waiting.get(key)
    const found = tags?.find((waiting) => sameTag(waiting.tag, leaf))
    if (tags == null || found == null) return undefined
    this.#waiting.delete(key)
    this.#count -= tags.length
    return found.cause
  }

  #evictOldest (): void {
    const [key, tags] = this.#waiting.entries().next().value!
    tags.shift()
    this.#count--
    if (tags.length === 0) this.#waiting.delete(key)
  }
}

/** Whether a removal's tag is the first bytes of a leaf. */
export function sameTag (tag: Uint8Array, leaf: Uint8Array): boolean {
  for (let i = 0; i < TAG_BYTES; i++) if (tag[i] !== leaf[i]) return false
  return true
}
