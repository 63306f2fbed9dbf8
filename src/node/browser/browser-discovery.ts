/**
 * How browsers of a mesh find each other. Each announces its WebRTC address (a
 * `…/p2p-circuit/webrtc/p2p/<self>` address through the relay) on the mesh's discovery topic, as
 * @libp2p/pubsub-peer-discovery does; the relay forwards the topic to every browser it holds.
 * Of two browsers that hear each other, the one with the smaller peer id dials and the other
 * answers with an announcement of its own, so a pair never dials itself twice at once. A dial
 * that fails is retried once (about one first WebRTC dial in ten hangs), and both show in
 * {@link DiscoveryStats}. Node.js peers announce too, with no address: browsers then know they
 * are in the mesh, though reached only through the relay.
 */
import { TopicValidatorResult, type GossipSub, type Message, type SubscriptionChangeData } from '@libp2p/gossipsub'
import { decodeDiscoveryAnnouncement, discoveryTopic, encodeDiscoveryAnnouncement, isDirectWebRTC, isWebRTCAddress, MAX_ANNOUNCED_ADDRESSES } from './discovery-announcement.ts'
import { RefusalCounter, type RefusedInputs } from '../refusal-counter.ts'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { MeshProof } from '../../protocols/proof/index.ts'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'

export interface DiscoveryStats {
  announcementsSent: number
  announcementsReceived: number
  /** Announcements rejected as malformed, oversized, or naming addresses not their publisher's (each forwarder is in {@link BrowserDiscovery.refusedByPeer}). */
  announcementsRefused: number
  /** WebRTC dials started, of which retries, and failed attempts. */
  dials: number
  dialRetries: number
  dialFailures: number
}

export interface BrowserDiscoveryOptions {
  /** The mesh peer's ops topic (`peer.topic`); the discovery topic is derived from it. */
  topic: string
  /**
   * Announce this peer on the topic: its WebRTC addresses in a browser, none on Node.js. A relay
   * passes false: it only subscribes, so that gossipsub forwards announcements between its
   * browsers. @default true
   */
  announce?: boolean
  /** Dial the browsers heard of over WebRTC (browsers only). @default true */
  dial?: boolean
  /** Announce again this often, in ms: also how others know this peer is still there. @default 10000 */
  interval?: number
  /** Abandon a WebRTC dial after this long, in ms. @default 10000 */
  dialTimeout?: number
  /** Retries of a failed dial, at once. @default 1 */
  dialRetries?: number
  /** Whether the peer may connect now (an app's offline switch). @default always */
  isOnline?: () => boolean
}

type DiscoveryNode = Libp2p<{ pubsub: GossipSub, meshProof?: MeshProof }>

/** Browsers heard of and kept for redialing after an offline spell; beyond it the oldest go. */
const MAX_HEARD = 256

export class BrowserDiscovery {
  readonly stats: DiscoveryStats = { announcementsSent: 0, announcementsReceived: 0, announcementsRefused: 0, dials: 0, dialRetries: 0, dialFailures: 0 }
  readonly #refusals = new RefusalCounter()
  readonly topic: string
  readonly #node: DiscoveryNode
  readonly #options: Required<Omit<BrowserDiscoveryOptions, 'topic'>>
  readonly #log: Logger
  /** The latest addresses each browser announced, by peer id. */
  readonly #heard = new Map<string, { peer: PeerId, addresses: Multiaddr[] }>()
  readonly #dialing = new Set<string>()
  #interval: ReturnType<typeof setInterval> | undefined
  #soon: ReturnType<typeof setTimeout> | undefined
  #running = false

  constructor (node: DiscoveryNode, options: BrowserDiscoveryOptions) {
    this.#node = node
    this.topic = discoveryTopic(options.topic)
    this.#options = { announce: true, dial: true, interval: 10_000, dialTimeout: 10_000, dialRetries: 1, isOnline: () => true, ...options }
    this.#log = node.logger.forComponent('roaring-mesh:browser-discovery')
  }

  start (): void {
    if (this.#running) return
    this.#running = true
    const pubsub = this.#node.services.pubsub
    pubsub.topicValidators.set(this.topic, this.#validate)
    pubsub.subscribe(this.topic)
    if (this.#options.dial) pubsub.addEventListener('message', this.#onMessage)
    if (!this.#options.announce) return
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
    this.#soon = undefined
    const pubsub = this.#node.services.pubsub
    pubsub.removeEventListener('message', this.#onMessage)
    pubsub.removeEventListener('subscription-change', this.#onSubscriptionChange)
    this.#node.removeEventListener('self:peer:update', this.#announceSoon)
    if (pubsub.getTopics().includes(this.topic)) pubsub.unsubscribe(this.topic)
    pubsub.topicValidators.delete(this.topic)
  }

  /** After a link came back: announce, and dial the browsers heard of before that are ours to dial. */
  reconnect (): void {
    this.#announceSoon()
    for (const { peer, addresses } of this.#heard.values()) {
      if (this.#dialsFirst(peer) && !this.#hasDirect(peer)) void this.#dial(peer, addresses)
    }
  }

  #ownAddresses (): Multiaddr[] {
    return this.#node.getMultiaddrs().filter((address) => isWebRTCAddress(address, this.#node.peerId)).slice(0, MAX_ANNOUNCED_ADDRESSES)
  }

  /** Announces within ~100 ms, once however often asked; a browser waits for its WebRTC address. */
  readonly #announceSoon = (): void => {
    if (this.#soon != null || !this.#running) return
    this.#soon = setTimeout(() => {
      this.#soon = undefined
      if (!this.#running || !this.#options.isOnline()) return
      const addresses = this.#ownAddresses()
      // The address appears once the relay has granted a reservation, a moment after we reach it.
      if (addresses.length === 0 && this.#options.dial) {
        if (this.#node.getConnections().length > 0) setTimeout(this.#announceSoon, 250)
        return
      }
      this.stats.announcementsSent++
      this.#node.services.pubsub.publish(this.topic, encodeDiscoveryAnnouncement(addresses)).catch((err: Error) => {
        this.#log('announcing failed - %e', err)
      })
    }, 100)
  }

  readonly #validate = (from: PeerId, message: Message): TopicValidatorResult => {
    // In a private mesh, a peer that has not proven the key is not heard, as on the ops topic.
    const proof = this.#node.services.meshProof
    if (proof != null && !proof.isMember(from)) return TopicValidatorResult.Ignore
    if (message.type !== 'signed') return TopicValidatorResult.Reject
    try {
      decodeDiscoveryAnnouncement(message.data, message.from)
      return TopicValidatorResult.Accept
    } catch (err) {
      this.stats.announcementsRefused++
      this.#refusals.count(from.toString(), 'topicMessages')
      this.#log.error('rejecting an announcement relayed by %p - %e', from, err)
      return TopicValidatorResult.Reject
    }
  }

  /** What this peer refused on the discovery topic, by the peer that forwarded it (the 1,024 refused most recently). */
  refusedByPeer (): Record<string, RefusedInputs> {
    return this.#refusals.snapshot()
  }

  readonly #onSubscriptionChange = (event: CustomEvent<SubscriptionChangeData>): void => {
    if (event.detail.subscriptions.some(({ topic, subscribe }) => topic === this.topic && subscribe)) this.#announceSoon()
  }

  readonly #onMessage = (event: CustomEvent<Message>): void => {
    const message = event.detail
    if (message.topic !== this.topic || message.type !== 'signed') return
    let addresses: Multiaddr[]
    try {
      addresses = decodeDiscoveryAnnouncement(message.data, message.from)
    } catch {
      return
    }
    this.stats.announcementsReceived++
    if (addresses.length === 0) return
    const peer = message.from
    const key = peer.toString()
    this.#heard.delete(key)
    this.#heard.set(key, { peer, addresses })
    if (this.#heard.size > MAX_HEARD) this.#heard.delete(this.#heard.keys().next().value!)
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
