import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface RelayLinkOptions {
  /** The first redial waits this long after the link dropped or a dial failed, in ms. @default 1000 */
  minBackoff?: number
  /** Each failed dial doubles the wait, up to this, in ms. @default 8000 */
  maxBackoff?: number
  /** Each wait varies by up to this fraction either way, so peers do not all redial a restarted relay at once. @default 0.2 */
  jitter?: number
  /** While connected, check the link this often, in ms. @default 5000 */
  checkInterval?: number
  /** Abandon a dial after this long, in ms. @default 5000 */
  dialTimeout?: number
  /** Whether the peer may connect now (an app's offline switch). @default always */
  isOnline?: () => boolean
}

/** What a link knows of its relay, for an app's status line. */
export interface RelayLinkState {
  address: string
  /** The relay's peer id, from its address. */
  peerId: string | undefined
  connected: boolean
  /** Dials failed in a row since the link was last up. */
  failures: number
  /** When the link last came up (ms since the epoch). */
  lastConnected: number | undefined
  /** When the next dial is due, if the link is down (ms since the epoch). */
  nextDial: number | undefined
}

/**
 * Keeps a connection to one relay/bootstrap node: dials it at start and again whenever the link
 * is down, each failed dial waiting longer (with jitter), so a relay that restarts (with the
 * same key, see `loadOrCreatePeerKey`) is found again. libp2p 3 has no autodialer. Dispatches
 * `change` when the link comes up or goes down, and after each failed dial.
 */
export class RelayLink extends EventTarget {
  readonly address: Multiaddr
  readonly relayId: string | undefined
  readonly stats = { dials: 0, dialFailures: 0 }
  readonly #node: Libp2p
  readonly #options: Required<RelayLinkOptions>
  readonly #log: Logger
  #timer: ReturnType<typeof setTimeout> | undefined
  #nextDial: number | undefined
  #dialing = false
  #running = false
  #failures = 0
  #lastConnected: number | undefined
  #wasConnected = false

  constructor (node: Libp2p, address: Multiaddr, options: RelayLinkOptions = {}) {
    super()
    this.#node = node
    this.address = address
    this.relayId = address.getComponents().findLast((c) => c.name === 'p2p')?.value
    this.#options = { minBackoff: 1000, maxBackoff: 8000, jitter: 0.2, checkInterval: 5000, dialTimeout: 5000, isOnline: () => true, ...options }
    this.#log = node.logger.forComponent('roaring-mesh:relay-link')
  }

  /** A full (not relayed) connection to the relay is open. */
  get connected (): boolean {
    return this.#node.getConnections().some((c) => c.limits == null && (c.remotePeer.toString() === this.relayId || c.remoteAddr.equals(this.address)))
  }

  get state (): RelayLinkState {
    const connected = this.connected
    return {
      address: this.address.toString(),
      peerId: this.relayId,
      connected,
      failures: this.#failures,
      lastConnected: this.#lastConnected,
      nextDial: connected ? undefined : this.#nextDial
    }
  }

  start (): void {
    if (this.#running) return
    this.#running = true
    this.#node.addEventListener('peer:disconnect', this.#onDisconnect)
    this.#node.addEventListener('peer:connect', this.#onConnect)
    void this.dialNow()
  }

  stop (): void {
    this.#running = false
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#nextDial = undefined
    this.#node.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#node.removeEventListener('peer:connect', this.#onConnect)
  }

  /** Dials the relay now unless connected, offline or already dialling (after coming back online). */
  async dialNow (): Promise<void> {
    if (!this.#running || this.#dialing) return
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.connected) {
      this.#up()
      return
    }
    if (!this.#options.isOnline()) {
      this.#schedule(this.#options.checkInterval)
      return
    }
    this.#dialing = true
    this.stats.dials++
    try {
      await this.#node.dial(this.address, { signal: AbortSignal.timeout(this.#options.dialTimeout) })
      this.#log('connected to the relay %a', this.address)
      this.#up()
    } catch (err) {
      this.stats.dialFailures++
      this.#failures++
      this.#log('could not reach the relay %a (%d in a row) - %e', this.address, this.#failures, err)
      this.#schedule(this.#backoff())
      this.#changed()
    } finally {
      this.#dialing = false
    }
  }

  #up (): void {
    this.#failures = 0
    this.#lastConnected = Date.now()
    this.#schedule(this.#options.checkInterval)
    this.#changed()
  }

  #backoff (): number {
    const { minBackoff, maxBackoff, jitter } = this.#options
    const base = Math.min(maxBackoff, minBackoff * 2 ** Math.max(0, this.#failures - 1))
    return base * (1 + jitter * (2 * Math.random() - 1))
  }

  #schedule (ms: number): void {
    if (!this.#running) return
    clearTimeout(this.#timer)
    this.#nextDial = Date.now() + ms
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.dialNow()
    }, ms)
  }

  /** Says so when the link went up or down since last said. */
  #changed (): void {
    const connected = this.connected
    if (connected !== this.#wasConnected || !connected) this.dispatchEvent(new Event('change'))
    this.#wasConnected = connected
  }

  #isRelay (peer: PeerId): boolean {
    return peer.toString() === this.relayId
  }

  readonly #onDisconnect = (event: CustomEvent<PeerId>): void => {
    if (!this.#isRelay(event.detail) || !this.#running) return
    this.#log('lost the relay %a', this.address)
    // Not at once: a relay that restarts is down for a moment, and its peers should not all
    // dial it in the same instant when it is back.
    this.#schedule(this.#backoff())
    this.#changed()
  }

  readonly #onConnect = (event: CustomEvent<PeerId>): void => {
    if (this.#isRelay(event.detail) && this.#running) this.#up()
  }
}
