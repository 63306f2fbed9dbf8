import { multiaddr } from '@multiformats/multiaddr'
import { RelayLink, type RelayLinkOptions, type RelayLinkState } from './relay-link.ts'
import type { Libp2p, Logger } from '@libp2p/interface'

/**
 * Where relay addresses come from: a fixed list (a bootstrap list), or a function that asks for
 * them again (a page's config, fetched from its server), which is called once more whenever
 * every relay has been out of reach for a while: a relay that moved is found where it is now.
 */
export type RelaySource = readonly string[] | (() => Promise<readonly string[]> | readonly string[])

export interface RelayLinksOptions extends RelayLinkOptions {
  /** Ask the source again once every relay failed this many dials in a row. @default 2 */
  relearnAfter?: number
  /** Ask the source at most this often, in ms. @default 5000 */
  minRelearnInterval?: number
}

/** Relays linked at most: a source (a server's config) naming more is cut to its first ones. */
export const MAX_RELAYS = 16

/** The links to every relay a peer knows, kept up by {@link RelayLink}; dispatches `change` as theirs. */
export class RelayLinks extends EventTarget {
  readonly #node: Libp2p
  readonly #source: RelaySource
  readonly #options: RelayLinksOptions
  readonly #links = new Map<string, RelayLink>()
  readonly #log: Logger
  #running = false
  #lastRelearn = Number.NEGATIVE_INFINITY
  #relearning = false
  #retry: ReturnType<typeof setTimeout> | undefined

  constructor (node: Libp2p, source: RelaySource, options: RelayLinksOptions = {}) {
    super()
    this.#node = node
    this.#source = source
    this.#options = options
    this.#log = node.logger.forComponent('roaring-mesh:relay-links')
  }

  get links (): RelayLink[] {
    return [...this.#links.values()]
  }

  /** Any relay is connected. */
  get reachable (): boolean {
    return this.links.some((link) => link.connected)
  }

  get states (): RelayLinkState[] {
    return this.links.map((link) => link.state)
  }

  /** Relays are expected: the source is a function (it may name some later) or a list that is not empty. */
  get expected (): boolean {
    return typeof this.#source === 'function' || this.#source.length > 0
  }

  /** Peer ids of the relays, from their addresses. */
  get relayIds (): Set<string> {
    return new Set(this.links.flatMap((link) => link.relayId == null ? [] : [link.relayId]))
  }

  async start (): Promise<void> {
    if (this.#running) return
    this.#running = true
    await this.#learn()
  }

  stop (): void {
    this.#running = false
    clearTimeout(this.#retry)
    for (const link of this.#links.values()) {
      link.removeEventListener('change', this.#onChange)
      link.stop()
    }
    this.#links.clear()
  }

  /** Dials every relay that is down now (after coming back online). */
  async dialNow (): Promise<void> {
    await Promise.all(this.links.map(async (link) => { await link.dialNow() }))
  }

  /** Takes the source's addresses: new ones get a link, ones it no longer lists lose theirs. */
  async #learn (): Promise<void> {
    this.#lastRelearn = performance.now()
    let addresses: readonly string[] = []
    try {
      addresses = typeof this.#source === 'function' ? await this.#source() : this.#source
    } catch (err) {
      this.#log('could not learn the relays\' addresses - %e', err)
    }
    if (!this.#running) return
    // Knowing no relay yet (the source failed, or named none): ask again later.
    if (addresses.length === 0 && this.#links.size === 0 && typeof this.#source === 'function') {
      clearTimeout(this.#retry)
      this.#retry = setTimeout(() => { void this.#learn() }, this.#options.minRelearnInterval ?? 5000)
    }
    const wanted = new Set(addresses.slice(0, MAX_RELAYS))
    // An empty answer (a server that is itself restarting) does not drop the relays we know.
    if (wanted.size === 0 && this.#links.size > 0) return
    for (const [address, link] of this.#links) {
      if (wanted.has(address)) continue
      link.removeEventListener('change', this.#onChange)
      link.stop()
      this.#links.delete(address)
    }
    for (const address of wanted) {
      if (this.#links.has(address)) continue
      let link: RelayLink
      try {
        link = new RelayLink(this.#node, multiaddr(address), this.#options)
      } catch (err) {
        this.#log.error('ignoring a relay address that is not a multiaddr: %s - %e', address, err)
        continue
      }
      this.#links.set(address, link)
      link.addEventListener('change', this.#onChange)
      link.start()
    }
    this.dispatchEvent(new Event('change'))
  }

  readonly #onChange = (): void => {
    this.dispatchEvent(new Event('change'))
    this.#maybeRelearn()
  }

  #maybeRelearn (): void {
    if (typeof this.#source !== 'function' || this.#relearning || !this.#running) return
    const after = this.#options.relearnAfter ?? 2
    if (this.links.some((link) => link.connected || link.state.failures < after)) return
    if (performance.now() - this.#lastRelearn < (this.#options.minRelearnInterval ?? 5000)) return
    this.#relearning = true
    void this.#learn().finally(() => { this.#relearning = false })
  }
}
