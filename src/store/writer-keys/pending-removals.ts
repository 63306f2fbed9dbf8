import { TAG_BYTES } from './batch-digest.ts'
import type { ReplicaId } from '../types.ts'

/**
 * Removals whose entry this store has not seen yet: each waits until its entry arrives, then
 * removes it if the tag matches. Bounded: beyond `max` the oldest is forgotten (a pull from a
 * peer that saw the removal repairs it). A removal naming a seq that will never be written, or
 * an entry it does not match, simply never takes effect.
 */
export class PendingRemovals {
  readonly #max: number
  readonly #waiting = new Map<string, Uint8Array[]>()
  #count = 0

  constructor (max: number) {
    this.#max = max
  }

  get size (): number {
    return this.#count
  }

  add (replica: ReplicaId, seq: number, tag: Uint8Array): void {
    if (this.#max === 0) return
    const key = `${replica}:${seq}`
    const tags = this.#waiting.get(key)
    if (tags?.some((known) => sameTag(known, tag)) === true) return
    while (this.#count >= this.#max) this.#evictOldest()
    if (tags == null) this.#waiting.set(key, [tag])
    else tags.push(tag)
    this.#count++
  }

  /** Whether a waiting removal names this entry (by its leaf); it is then done. */
  take (replica: ReplicaId, seq: number, leaf: Uint8Array): boolean {
    if (this.#count === 0) return false
    const key = `${replica}:${seq}`
    const tags = this.#waiting.get(key)
    if (tags == null) return false
    if (!tags.some((tag) => sameTag(tag, leaf))) return false
    this.#waiting.delete(key)
    this.#count -= tags.length
    return true
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
