import { equals } from 'uint8arrays/equals'
import type { PeerId } from '@libp2p/interface'

export interface StateAnnouncerOptions {
  /**
   * The state counts as settled once its hash stayed the same this long, in ms: then it is
   * announced (if it is not what was announced last), and an announcement heard meanwhile that
   * still differs from it sets off one pull. @default 500
   */
  settleMs: number
  /** Each wait varies by up to this much more, so neighbours that settled together do not act together, in ms. @default 250 */
  jitterMs: number
}

/**
 * Tells the mesh this peer's state hash when it changed and then settled, and turns what
 * neighbours announce into pulls only where gossip did not already close the gap.
 *
 * During a burst every peer's state changes all the time, and a neighbour's announced hash is
 * stale before it arrives: pulling on every differing announcement made one change set off a pull
 * from every neighbour. So nothing is announced or pulled while the state is still moving; once
 * it settled, the peer announces its hash once, and compares it with the latest announcement it
 * heard: only if they still differ does it pull, from one neighbour. An idle mesh, whose
 * states do not move, sends nothing at all. The hash is polled (it is a few additions per
 * writer), which costs no store events and no traffic.
 */
export class StateAnnouncer {
  readonly #stateHash: () => Uint8Array
  readonly #announce: (hash: Uint8Array) => void
  readonly #pull: (peer: PeerId) => void
  readonly #options: StateAnnouncerOptions
  #timer: ReturnType<typeof setTimeout> | undefined
  /** The hash seen at the last poll, and what was announced last. */
  #polled: Uint8Array | undefined
  #announced: Uint8Array | undefined
  /** The latest differing announcement heard, and the neighbour it came through. */
  #heard: { hash: Uint8Array, from: PeerId } | undefined
  #running = false
  #moving = false

  constructor (stateHash: () => Uint8Array, announce: (hash: Uint8Array) => void, pull: (peer: PeerId) => void, options: StateAnnouncerOptions) {
    this.#stateHash = stateHash
    this.#announce = announce
    this.#pull = pull
    this.#options = options
  }

  /** True when the state changed between the last two polls: gossip (or a pull) is still delivering. */
  get moving (): boolean {
    return this.#moving
  }

  /** Starts polling; the state at start counts as announced (a neighbour pulls from a peer that connects). */
  start (): void {
    this.#running = true
    this.#polled = this.#announced = this.#stateHash()
    this.#schedule()
  }

  stop (): void {
    this.#running = false
    clearTimeout(this.#timer)
    this.#heard = undefined
  }

  /** A neighbour announced `hash`, gossip bringing it through `from`. */
  heard (hash: Uint8Array, from: PeerId): void {
    if (!this.#running || equals(hash, this.#stateHash())) return
    this.#heard = { hash, from }
  }

  /** Announces the state now if it is not what was announced last (its hash may not have settled: an op too large for gossip). */
  announceNow (): void {
    const hash = this.#stateHash()
    if (this.#announced != null && equals(hash, this.#announced)) return
    this.#announced = hash
    this.#announce(hash)
  }

  #schedule (): void {
    this.#timer = setTimeout(this.#poll, this.#options.settleMs + Math.random() * this.#options.jitterMs)
    // Polling alone must not keep a process alive.
    if (typeof this.#timer === 'object' && 'unref' in this.#timer) this.#timer.unref()
  }

  readonly #poll = (): void => {
    if (!this.#running) return
    const hash = this.#stateHash()
    const settled = this.#polled != null && equals(hash, this.#polled)
    this.#polled = hash
    this.#moving = !settled
    if (settled) {
      if (this.#announced == null || !equals(hash, this.#announced)) {
        this.#announced = hash
        this.#announce(hash)
      }
      const heard = this.#heard
      this.#heard = undefined
      if (heard != null && !equals(heard.hash, hash)) this.#pull(heard.from)
    }
    this.#schedule()
  }
}
