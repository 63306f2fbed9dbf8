import type { AbortOptions, Connection, Libp2p, Logger, PeerId, PeerInfo } from '@libp2p/interface'

export interface DiscoveryDialerOptions {
  /** Dial discovered peers while fewer than this many peers are connected. @default 8 */
  targetConnections?: number
  /** The wait after a peer's first failed dial, in ms; it doubles (see `backoffFactor`) with each failure in a row. @default 1000 */
  minBackoff?: number
  /** The longest wait between two dials of one peer, in ms. @default 30000 */
  maxBackoff?: number
  /** @default 2 */
  backoffFactor?: number
  /** Each wait varies by up to this fraction either way, so peers that failed together do not retry together. @default 0.2 */
  jitter?: number
  /** A dial is abandoned after this many ms. @default 10000 */
  dialTimeout?: number
  /** How often the connection count is checked against the target, in ms. @default 5000 */
  checkInterval?: number
  /** Peers remembered at most; beyond it the one that failed most is forgotten. @default 256 */
  maxCandidates?: number
  /**
   * Forget a peer that disconnects without having been {@link DiscoveryDialer.remember}ed: a mesh
   * peer remembers those that joined its mesh, so an outsider refused by a private mesh, or
   * another app's libp2p node, is not redialed. @default false
   */
  forgetStrangers?: boolean
}

/** What the dialer needs of a libp2p node. */
export type DialerNode = Pick<Libp2p, 'addEventListener' | 'removeEventListener' | 'getPeers' | 'getConnections' | 'logger'> & {
  dial: (peer: PeerId, options?: AbortOptions) => Promise<Connection>
}

export interface DiscoveryDialerStats {
  /** Peers discovered and remembered now. */
  candidates: number
  /** Dials started, and of those, failed. */
  dials: number
  dialFailures: number
}

interface Candidate {
  readonly peer: PeerId
  failures: number
  /** Not dialed again before this time (ms since the epoch). */
  nextAttempt: number
  /** When it was last dialed (0: never), so that peers not tried yet go first. */
  lastAttempt: number
}

/**
 * Dials the peers libp2p discovers (mDNS, bootstrap), which libp2p 3 only puts in its peer store,
 * and the peers it was told to {@link remember}, until `targetConnections` peers are connected. A
 * peer whose dial failed waits before the next one, exponentially longer with each failure in a row up to `maxBackoff`; any connection to it,
 * inbound or outbound, clears that. When a peer leaves, the count is topped up at once from the
 * peers remembered.
 *
 * @example
 * ```ts
 * const dialer = new DiscoveryDialer(peer.libp2p, { targetConnections: 8 })
 * dialer.start()   // after the node started
 * dialer.stop()    // before it stops
 * ```
 */
export class DiscoveryDialer {
  readonly #node: DialerNode
  readonly #options: Required<DiscoveryDialerOptions>
  readonly #log: Logger
  readonly #candidates = new Map<string, Candidate>()
  readonly #dialing = new Set<string>()
  readonly #remembered = new Set<string>()
  readonly #stats = { dials: 0, dialFailures: 0 }
  #controller = new AbortController()
  #interval: ReturnType<typeof setInterval> | undefined
  #running = false

  constructor (node: DialerNode, options: DiscoveryDialerOptions = {}) {
    this.#node = node
    this.#options = {
      targetConnections: 8,
      minBackoff: 1000,
      maxBackoff: 30_000,
      backoffFactor: 2,
      jitter: 0.2,
      dialTimeout: 10_000,
      checkInterval: 5000,
      maxCandidates: 256,
      forgetStrangers: false,
      // An option given as undefined keeps its default.
      ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
    }
    this.#log = node.logger.forComponent('roaring-mesh:discovery-dialer')
  }

  start (): void {
    if (this.#running) return
    this.#running = true
    this.#controller = new AbortController()
    this.#node.addEventListener('peer:discovery', this.#onDiscovery)
    this.#node.addEventListener('peer:connect', this.#onConnect)
    this.#node.addEventListener('peer:disconnect', this.#onDisconnect)
    this.#interval = setInterval(this.#fill, this.#options.checkInterval)
    // The check alone must not keep a process alive.
    if (typeof this.#interval === 'object' && 'unref' in this.#interval) this.#interval.unref()
  }

  /** Stops dialing and abandons the dials under way. */
  stop (): void {
    if (!this.#running) return
    this.#running = false
    clearInterval(this.#interval)
    this.#node.removeEventListener('peer:discovery', this.#onDiscovery)
    this.#node.removeEventListener('peer:connect', this.#onConnect)
    this.#node.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#controller.abort(new Error('discovery dialer stopping'))
    this.#dialing.clear()
  }

  stats (): DiscoveryDialerStats {
    return { candidates: this.#candidates.size, ...this.#stats }
  }

  readonly #onDiscovery = (event: CustomEvent<PeerInfo>): void => {
    const peer = event.detail.id
    const key = peer.toString()
    if (!this.#candidates.has(key)) {
      this.#candidates.set(key, { peer, failures: 0, nextAttempt: 0, lastAttempt: 0 })
      this.#forgetBeyondLimit()
      this.#log('discovered %p', peer)
    }
    this.#fill()
  }

  readonly #onConnect = (event: CustomEvent<PeerId>): void => {
    const candidate = this.#candidates.get(event.detail.toString())
    if (candidate != null) {
      candidate.failures = 0
      candidate.nextAttempt = 0
    }
  }

  /**
   * Adds a peer to dial whenever fewer than the target are connected, as a discovered one is: a
   * mesh peer remembers every peer that joined its mesh, so a link lost to a stalled ping or a
   * restart comes back whichever side made it (libp2p forgets who dialed).
   */
  remember (peer: PeerId): void {
    const key = peer.toString()
    this.#remembered.add(key)
    if (this.#candidates.has(key)) return
    this.#candidates.set(key, { peer, failures: 0, nextAttempt: 0, lastAttempt: 0 })
    this.#forgetBeyondLimit()
  }

  readonly #onDisconnect = (event: CustomEvent<PeerId>): void => {
    const key = event.detail.toString()
    if (this.#options.forgetStrangers && !this.#remembered.has(key)) this.#candidates.delete(key)
    this.#fill()
  }

  /** Dials eligible peers, longest-waiting and least recently tried first, until connected plus dialing reaches the target. */
  readonly #fill = (): void => {
    if (!this.#running) return
    const deficit = this.#options.targetConnections - this.#node.getPeers().length - this.#dialing.size
    if (deficit <= 0) return
    const now = Date.now()
    const eligible = [...this.#candidates.entries()]
      .filter(([key, c]) => c.nextAttempt <= now && !this.#dialing.has(key) && this.#node.getConnections(c.peer).length === 0)
      .sort(([, a], [, b]) => a.nextAttempt - b.nextAttempt || a.lastAttempt - b.lastAttempt)
      .slice(0, deficit)
    for (const [key, candidate] of eligible) void this.#dial(key, candidate)
  }

  async #dial (key: string, candidate: Candidate): Promise<void> {
    this.#dialing.add(key)
    this.#stats.dials++
    candidate.lastAttempt = Date.now()
    const signal = AbortSignal.any([this.#controller.signal, AbortSignal.timeout(this.#options.dialTimeout)])
    try {
      await this.#node.dial(candidate.peer, { signal })
      candidate.failures = 0
      candidate.nextAttempt = 0
      this.#log('connected to %p', candidate.peer)
    } catch (err: any) {
      if (!this.#running) return
      this.#stats.dialFailures++
      candidate.failures++
      candidate.nextAttempt = Date.now() + this.backoff(candidate.failures)
      this.#log('dial %d to %p failed, next in %d ms - %e', candidate.failures, candidate.peer, candidate.nextAttempt - Date.now(), err)
    } finally {
      if (this.#running) this.#dialing.delete(key)
    }
  }

  /** The wait after `failures` failed dials in a row, in ms. */
  backoff (failures: number): number {
    const { minBackoff, maxBackoff, backoffFactor, jitter } = this.#options
    const base = Math.min(maxBackoff, minBackoff * backoffFactor ** Math.max(0, failures - 1))
    return Math.round(base * (1 + (Math.random() * 2 - 1) * jitter))
  }

  #forgetBeyondLimit (): void {
    if (this.#candidates.size <= this.#options.maxCandidates) return
    let worst: string | undefined
    let most = -1
    for (const [key, candidate] of this.#candidates) {
      if (candidate.failures > most && !this.#dialing.has(key)) {
        worst = key
        most = candidate.failures
      }
    }
    if (worst != null) {
      this.#candidates.delete(worst)
      this.#remembered.delete(worst)
    }
  }
}
