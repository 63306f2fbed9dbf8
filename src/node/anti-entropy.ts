import { PeerGate } from './peer-gate.ts'
import type { PeerId } from '@libp2p/interface'

export type PullReason = 'connect' | 'gap' | 'announcement' | 'periodic'

export interface AntiEntropyOptions {
  /** Mean time between pulls from a random connected peer, in ms. @default 30000 */
  interval: number
  /** The interval varies by up to this much either way, so peers do not pull in lockstep, in ms. @default 10000 */
  jitter: number
  /** The least time between two gap- or announcement-triggered pulls from one peer, in ms. @default 1000 */
  minTriggeredInterval: number
  /** Asked at each periodic tick: true skips that tick's pull (the state has not moved since the last). */
  idle?: () => boolean
  /**
   * Asked at each periodic tick first: true puts the tick off by `minTriggeredInterval`, up to
   * ten times in a row (the state is still moving: gossip is delivering, and a pull now would
   * fetch what is in flight; a mesh that never stands still is still pulled from).
   */
  busy?: () => boolean
}

/** Periodic ticks put off in a row at most while the state moves. */
const MAX_POSTPONED = 10

/**
 * Decides when to pull from whom: from a peer as it connects, when an op reveals a gap or a
 * neighbour announces a state we do not have, and periodically from a random neighbour. Pulls
 * from one peer never overlap (a request during one queues a single follow-up), and a peer that
 * asked us to back off (a rate-limited pull) is not pulled again before the time it named.
 */
export class AntiEntropy {
  readonly #pull: (peer: PeerId, reason: PullReason, signal: AbortSignal) => Promise<void>
  readonly #options: AntiEntropyOptions
  readonly #gate = new PeerGate<void>()
  readonly #peers = new Map<string, PeerId>()
  readonly #lastTriggered = new Map<string, number>()
  readonly #deferred = new Map<string, ReturnType<typeof setTimeout>>()
  /** Until when (ms since the epoch) each peer asked not to be pulled. */
  readonly #notBefore = new Map<string, number>()
  #controller = new AbortController()
  #timer: ReturnType<typeof setTimeout> | undefined
  #running = false
  #postponed = 0

  constructor (pull: (peer: PeerId, reason: PullReason, signal: AbortSignal) => Promise<void>, options: AntiEntropyOptions) {
    this.#pull = pull
    this.#options = options
  }

  get peers (): PeerId[] {
    return [...this.#peers.values()]
  }

  start (): void {
    this.#running = true
    this.#controller = new AbortController()
    this.#schedule()
  }

  async stop (): Promise<void> {
    this.#running = false
    clearTimeout(this.#timer)
    for (const timer of this.#deferred.values()) clearTimeout(timer)
    this.#deferred.clear()
    this.#controller.abort(new Error('mesh peer stopping'))
    await this.#gate.settled()
  }

  connected (peer: PeerId): void {
    this.#peers.set(peer.toString(), peer)
    void this.pull(peer, 'connect')
  }

  disconnected (peer: PeerId): void {
    const key = peer.toString()
    this.#peers.delete(key)
    this.#lastTriggered.delete(key)
    this.#notBefore.delete(key)
    clearTimeout(this.#deferred.get(key))
    this.#deferred.delete(key)
  }

  /** Pulls nothing from `peer` for `ms`: it refused a pull and named when to come back. */
  backOff (peer: PeerId, ms: number): void {
    const key = peer.toString()
    if (this.#peers.has(key)) this.#notBefore.set(key, Math.max(this.#notBefore.get(key) ?? 0, Date.now() + ms))
  }

  /** How long `peer` asked us to wait still, in ms (0 when it did not). */
  #backOffLeft (key: string): number {
    const until = this.#notBefore.get(key)
    if (until == null) return 0
    const left = until - Date.now()
    if (left <= 0) this.#notBefore.delete(key)
    return Math.max(0, left)
  }

  /**
   * Pulls now (joining or queueing behind a pull already running against this peer); does
   * nothing while the peer has asked us to back off.
   */
  async pull (peer: PeerId, reason: PullReason): Promise<void> {
    if (!this.#running) return
    const signal = this.#controller.signal
    const key = peer.toString()
    await this.#gate.run(key, async () => {
      // Checked when the pull runs: a queued follow-up must honour a refusal of the one before.
      if (!signal.aborted && this.#backOffLeft(key) === 0) await this.#pull(peer, reason, signal)
    }).catch(() => {
      // The pull function reports its own failures; a rejection here must not go unhandled.
    })
  }

  /** A pull asked for by the traffic (a gap, an announcement): at most one per peer per `minTriggeredInterval`. */
  trigger (peer: PeerId, reason: 'gap' | 'announcement'): void {
    const key = peer.toString()
    if (!this.#running || this.#deferred.has(key)) return
    const wait = Math.max(
      (this.#lastTriggered.get(key) ?? Number.NEGATIVE_INFINITY) + this.#options.minTriggeredInterval - Date.now(),
      this.#backOffLeft(key)
    )
    const go = (): void => {
      this.#deferred.delete(key)
      this.#lastTriggered.set(key, Date.now())
      void this.pull(peer, reason)
    }
    if (wait <= 0) go()
    else this.#deferred.set(key, setTimeout(go, wait))
  }

  #schedule (delay = Math.max(0, this.#options.interval + (Math.random() * 2 - 1) * this.#options.jitter)): void {
    this.#timer = setTimeout(() => {
      if (!this.#running) return
      if (this.#options.busy?.() === true && this.#postponed < MAX_POSTPONED) {
        this.#postponed++
        this.#schedule(this.#options.minTriggeredInterval)
        return
      }
      this.#postponed = 0
      const peers = this.peers.filter((peer) => this.#backOffLeft(peer.toString()) === 0)
      if (peers.length > 0 && this.#options.idle?.() !== true) void this.pull(peers[Math.floor(Math.random() * peers.length)], 'periodic')
      this.#schedule()
    }, delay)
    // A sync timer alone must not keep a process alive.
    if (typeof this.#timer === 'object' && 'unref' in this.#timer) this.#timer.unref()
  }
}
