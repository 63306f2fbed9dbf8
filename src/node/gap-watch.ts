import { equals } from 'uint8arrays/equals'
import type { Dot } from '../store/types.ts'
import type { PeerId } from '@libp2p/interface'

/** What the watch reads of the store. */
export interface GapWatchStore {
  hasSeen(dot: Dot): boolean
  stateHash(): Uint8Array
}

/** How many more graces a gap waits while the state still moves. */
const MAX_EXTENSIONS = 10

/**
 * Gossip reaches a peer by several paths, so an op often arrives before the one below it: a
 * pull follows only if the missing op is still missing `graceMs` later, and, while the state
 * still moves (gossip is delivering; a pull now would fetch what is in flight), up to ten
 * graces more. Then each peer that sent an op with a gap below it is asked once, for the ops
 * still missing below what it sent.
 */
export class GapWatch {
  readonly #store: GapWatchStore
  readonly #pull: (source: PeerId, missing: Dot[]) => void
  readonly #graceMs: number
  #gaps: Array<{ dot: Dot, source: PeerId }> = []
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor (store: GapWatchStore, pull: (source: PeerId, missing: Dot[]) => void, graceMs: number) {
    this.#store = store
    this.#pull = pull
    this.#graceMs = graceMs
  }

  /** `dot` was missing below an op that `source` sent. */
  add (dot: Dot, source: PeerId): void {
    this.#gaps.push({ dot, source })
    if (this.#timer == null) this.#arm(0)
  }

  stop (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#gaps = []
  }

  #arm (extensions: number): void {
    const armedAt = this.#store.stateHash()
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#gaps = this.#gaps.filter(({ dot }) => !this.#store.hasSeen(dot))
      if (this.#gaps.length === 0) return
      if (extensions < MAX_EXTENSIONS && !equals(armedAt, this.#store.stateHash())) {
        this.#arm(extensions + 1)
        return
      }
      const bySource = new Map<string, { source: PeerId, missing: Dot[] }>()
      for (const { dot, source } of this.#gaps) {
        const entry = bySource.get(source.toString()) ?? { source, missing: [] }
        entry.missing.push(dot)
        bySource.set(source.toString(), entry)
      }
      this.#gaps = []
      for (const { source, missing } of bySource.values()) this.#pull(source, missing)
    }, this.#graceMs)
  }
}
