import type { Libp2p, Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface RelayLinkOptions {
  /** Check the link this often, and dial again when it is down, in ms. @default 3000 */
  interval?: number
  /** Abandon a dial after this long, in ms. @default 5000 */
  dialTimeout?: number
  /** Whether the peer may connect now (the page's offline switch). @default always */
  isOnline?: () => boolean
}

/**
 * Keeps a connection to the relay/bootstrap node while online: dials it at start and again
 * whenever the link is down, so a relay that restarts is found again. (libp2p 3 has no
 * autodialer.) Other peers are reached through it.
 */
export class RelayLink {
  readonly address: Multiaddr
  /** The relay's peer id, from its address. */
  readonly relayId: string | undefined
  readonly stats = { dials: 0, dialFailures: 0 }
  readonly #node: Libp2p
  readonly #options: Required<RelayLinkOptions>
  readonly #log: Logger
  #timer: ReturnType<typeof setInterval> | undefined
  #dialing = false

  constructor (node: Libp2p, address: Multiaddr, options: RelayLinkOptions = {}) {
    this.#node = node
    this.address = address
    this.relayId = address.getComponents().findLast((c) => c.name === 'p2p')?.value
    this.#options = { interval: 3000, dialTimeout: 5000, isOnline: () => true, ...options }
    this.#log = node.logger.forComponent('roaring-mesh:relay-link')
  }

  get connected (): boolean {
    return this.#node.getConnections().some((c) => c.limits == null && (c.remotePeer.toString() === this.relayId || c.remoteAddr.equals(this.address)))
  }

  start (): void {
    if (this.#timer != null) return
    this.#timer = setInterval(() => { void this.dialNow() }, this.#options.interval)
    if (typeof this.#timer === 'object' && 'unref' in this.#timer) this.#timer.unref()
    void this.dialNow()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Dials the relay unless connected, offline or already dialling. */
  async dialNow (): Promise<void> {
    if (this.#dialing || this.connected || !this.#options.isOnline() || this.#timer == null) return
    this.#dialing = true
    this.stats.dials++
    try {
      await this.#node.dial(this.address, { signal: AbortSignal.timeout(this.#options.dialTimeout) })
      this.#log('connected to the relay %a', this.address)
    } catch (err) {
      this.stats.dialFailures++
      this.#log('could not reach the relay %a - %e', this.address, err)
    } finally {
      this.#dialing = false
    }
  }
}
