/**
 * How browsers of a mesh find each other. Each announces its WebRTC address (a
 * `…/p2p-circuit/webrtc/p2p/<self>` address through the relay) on a gossipsub topic, as
 * @libp2p/pubsub-peer-discovery does; the relay forwards the topic to every browser it holds.
 * Of two browsers that hear each other, the one with the smaller peer id dials and the other
 * answers with an announcement of its own, so a pair never dials itself twice at once. A dial
 * that fails is retried once (about one first WebRTC dial in ten hangs; see
 * shared/BROWSER.md), and both show in {@link DiscoveryStats}.
 */
import { TopicValidatorResult, type GossipSub, type Message, type SubscriptionChangeData } from '@libp2p/gossipsub'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'

/** The discovery topic of a mesh, beside its ops topic. */
export function discoveryTopic (mesh: string): string {
  return `roaring-mesh/${mesh}/browsers/1`
}

const MAX_ANNOUNCEMENT_BYTES = 4096
const MAX_ADDRESSES = 8

/** A WebRTC connection straight to the peer: not the limited relayed one that set it up. */
export function isDirectWebRTC (connection: Connection): boolean {
  return connection.multiplexer === '/webrtc' && connection.limits == null
}

/** `…/p2p-circuit/webrtc/p2p/<peer>`: an address a browser can be reached at through a relay. */
function isWebRTCAddress (address: Multiaddr, peer: PeerId): boolean {
  const components = address.getComponents()
  const circuit = components.findIndex((c) => c.name === 'p2p-circuit')
  const last = components[components.length - 1]
  return circuit >= 0 && components[circuit + 1]?.name === 'webrtc' && last?.name === 'p2p' && last.value === peer.toString()
}

/** The addresses of a signed announcement; throws on anything else. */
export function decodeAnnouncement (data: Uint8Array, from: PeerId): Multiaddr[] {
  if (data.byteLength > MAX_ANNOUNCEMENT_BYTES) throw new Error(`announcement of ${data.byteLength} bytes`)
  const parsed: unknown = JSON.parse(new TextDecoder().decode(data))
  const list = (parsed as { addrs?: unknown } | null)?.addrs
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ADDRESSES) throw new Error('announcement without a list of addresses')
  return list.map((text: unknown) => {
    if (typeof text !== 'string') throw new Error('address is not a string')
    const address = multiaddr(text)
    if (!isWebRTCAddress(address, from)) throw new Error(`not a WebRTC address of the sender: ${text}`)
    return address
  })
}

export function encodeAnnouncement (addresses: Multiaddr[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ addrs: addresses.map(String) }))
}

export interface DiscoveryStats {
  announcementsSent: number
  announcementsReceived: number
  /** WebRTC dials started, of which retries, and failed attempts. */
  dials: number
  dialRetries: number
  dialFailures: number
}

export interface BrowserDiscoveryOptions {
  mesh: string
  /**
   * Announce our WebRTC address and dial the browsers we hear of. A Node.js relay passes false:
   * it only subscribes, so that gossipsub forwards announcements between its browsers. @default true
   */
  active?: boolean
  /** Announce again this often, in ms. @default 10000 */
  interval?: number
  /** Abandon a WebRTC dial after this long, in ms. @default 10000 */
  dialTimeout?: number
  /** Retries of a failed dial, at once. @default 1 */
  dialRetries?: number
  /** Whether the peer may connect now (the page's offline switch). @default always */
  isOnline?: () => boolean
}

type DiscoveryNode = Libp2p<{ pubsub: GossipSub }>

export class BrowserDiscovery {
  readonly stats: DiscoveryStats = { announcementsSent: 0, announcementsReceived: 0, dials: 0, dialRetries: 0, dialFailures: 0 }
  readonly topic: string
  readonly #node: DiscoveryNode
  readonly #options: Required<Omit<BrowserDiscoveryOptions, 'mesh'>>
  readonly #log: Logger
  /** The latest addresses each browser announced, by peer id. */
  readonly #heard = new Map<string, { peer: PeerId, addresses: Multiaddr[] }>()
  readonly #dialing = new Set<string>()
  #interval: ReturnType<typeof setInterval> | undefined
  #soon: ReturnType<typeof setTimeout> | undefined
  #running = false

  constructor (node: DiscoveryNode, options: BrowserDiscoveryOptions) {
    this.#node = node
    this.topic = discoveryTopic(options.mesh)
    this.#options = { active: true, interval: 10_000, dialTimeout: 10_000, dialRetries: 1, isOnline: () => true, ...options }
    this.#log = node.logger.forComponent(`roaring-mesh:browser-discovery:${options.mesh}`)
  }

  start (): void {
    if (this.#running) return
    this.#running = true
    const pubsub = this.#node.services.pubsub
    pubsub.topicValidators.set(this.topic, this.#validate)
    pubsub.subscribe(this.topic)
    if (!this.#options.active) return
    pubsub.addEventListener('message', this.#onMessage)
    pubsub.addEventListener('subscription-change', this.#onSubscriptionChange)
    this.#node.addEventListener('self:peer:update', this.#announceSoon)
    this.#interval = setInterval(this.#announceSoon, this.#options.interval)
    this.#announceSoon()
  }

  stop (): void {
    if (!this.#running) return
    this.#running = false
    clearInterval(this.#interval)
    clearTimeout(this.#soon)
    const pubsub = this.#node.services.pubsub
    pubsub.removeEventListener('message', this.#onMessage)
    pubsub.removeEventListener('subscription-change', this.#onSubscriptionChange)
    this.#node.removeEventListener('self:peer:update', this.#announceSoon)
    if (pubsub.getTopics().includes(this.topic)) pubsub.unsubscribe(this.topic)
    pubsub.topicValidators.delete(this.topic)
  }

  /** After coming back online: announce, and dial the browsers heard of before that are ours to dial. */
  reconnect (): void {
    this.#announceSoon()
    for (const { peer, addresses } of this.#heard.values()) {
      if (this.#dialsFirst(peer)) void this.#dial(peer, addresses)
    }
  }

  #ownAddresses (): Multiaddr[] {
    return this.#node.getMultiaddrs().filter((address) => isWebRTCAddress(address, this.#node.peerId)).slice(0, MAX_ADDRESSES)
  }

  /** Announces within ~100 ms, once however often asked; retries until we have a WebRTC address. */
  readonly #announceSoon = (): void => {
    if (this.#soon != null || !this.#running) return
    this.#soon = setTimeout(() => {
      this.#soon = undefined
      if (!this.#running || !this.#options.isOnline()) return
      const addresses = this.#ownAddresses()
      // The address appears once the relay has granted a reservation, a moment after we reach it.
      if (addresses.length === 0) {
        if (this.#node.getConnections().length > 0) this.#announceLater(250)
        return
      }
      this.stats.announcementsSent++
      this.#node.services.pubsub.publish(this.topic, encodeAnnouncement(addresses)).catch((err: Error) => {
        this.#log('announcing failed - %e', err)
      })
    }, 100)
  }

  #announceLater (ms: number): void {
    setTimeout(this.#announceSoon, ms)
  }

  readonly #validate = (from: PeerId, message: Message): TopicValidatorResult => {
    if (message.type !== 'signed') return TopicValidatorResult.Reject
    try {
      decodeAnnouncement(message.data, message.from)
      return TopicValidatorResult.Accept
    } catch (err) {
      this.#log.error('rejecting an announcement relayed by %p - %e', from, err)
      return TopicValidatorResult.Reject
    }
  }

  readonly #onSubscriptionChange = (event: CustomEvent<SubscriptionChangeData>): void => {
    if (event.detail.subscriptions.some(({ topic, subscribe }) => topic === this.topic && subscribe)) this.#announceSoon()
  }

  readonly #onMessage = (event: CustomEvent<Message>): void => {
    const message = event.detail
    if (message.topic !== this.topic || message.type !== 'signed') return
    let addresses: Multiaddr[]
    try {
      addresses = decodeAnnouncement(message.data, message.from)
    } catch {
      return
    }
    this.stats.announcementsReceived++
    const peer = message.from
    this.#heard.set(peer.toString(), { peer, addresses })
    if (!this.#options.isOnline() || this.#hasDirect(peer)) return
    if (this.#dialsFirst(peer)) void this.#dial(peer, addresses)
    else this.#announceSoon()
  }

  #dialsFirst (peer: PeerId): boolean {
    return this.#node.peerId.toString() < peer.toString()
  }

  #hasDirect (peer: PeerId): boolean {
    return this.#node.getConnections(peer).some(isDirectWebRTC)
  }

  async #dial (peer: PeerId, addresses: Multiaddr[]): Promise<void> {
    const key = peer.toString()
    if (this.#dialing.has(key)) return
    this.#dialing.add(key)
    try {
      for (let attempt = 0; attempt <= this.#options.dialRetries; attempt++) {
        if (!this.#running || !this.#options.isOnline() || this.#hasDirect(peer)) return
        this.stats.dials++
        if (attempt > 0) this.stats.dialRetries++
        try {
          const connection = await this.#node.dial(addresses, { signal: AbortSignal.timeout(this.#options.dialTimeout) })
          if (isDirectWebRTC(connection)) return
          this.#log.error('dialling %p gave a %s connection, not a direct one', peer, connection.multiplexer)
        } catch (err) {
          this.#log.error('WebRTC dial %d to %p failed - %e', attempt + 1, peer, err)
        }
        this.stats.dialFailures++
      }
    } finally {
      this.#dialing.delete(key)
    }
  }
}
