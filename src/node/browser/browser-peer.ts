import { TypedEventEmitter } from 'main-event'
import { describeStatus, statusKey, type BrowserPeerStatus } from './browser-peer-status.ts'
import type { BrowserDiscovery } from './browser-discovery.ts'
import type { MeshMembers } from './mesh-members.ts'
import type { OnlineGate } from './online-gate.ts'
import type { RelayLinks } from './relay-links.ts'
import type { TabChannel } from './tab-channel.ts'
import type { MeshLibp2p, MeshPeer } from '../mesh-peer.ts'
import type { ReplicaStore } from '../../store/replica-store.ts'

export interface BrowserPeerEvents {
  /** The status changed: a link came or went, a member was heard from or fell silent, a tab came or went. */
  status: CustomEvent<BrowserPeerStatus>
}

/** The parts a browser peer is made of (see `createBrowserPeer`). */
export interface BrowserPeerParts<K, V> {
  peer: MeshPeer<K, V>
  discovery: BrowserDiscovery
  relays: RelayLinks
  tabs: TabChannel | undefined
  members: MeshMembers
  gate: OnlineGate
  /** Members count as recent for this long after they were last heard from, in ms. */
  memberWindow: number
}

/**
 * A peer of a mesh in a browser tab, made by `createBrowserPeer`: its store (in IndexedDB), its
 * mesh peer, WebRTC discovery, links to the relays that heal themselves, and the tab channel.
 * `status()` says what is true of its links, and a `status` event says when that changes.
 */
export class BrowserPeer<K = string, V = string> extends TypedEventEmitter<BrowserPeerEvents> {
  /** The tab's replica: read and write it; changes reach the mesh and the other tabs. */
  readonly store: ReplicaStore<K, V>
  /** The mesh peer underneath: `stats()`, `sync` events, `dial()`. */
  readonly peer: MeshPeer<K, V>
  readonly discovery: BrowserDiscovery
  readonly relays: RelayLinks
  /** The same-browser transport; undefined when made with `tabs: false`. */
  readonly tabs: TabChannel | undefined
  readonly #members: MeshMembers
  readonly #gate: OnlineGate
  readonly #memberWindow: number
  #ticker: ReturnType<typeof setInterval> | undefined
  #soon: ReturnType<typeof setTimeout> | undefined
  #lastKey = ''
  #everLinked = false
  #stopped = false

  constructor (parts: BrowserPeerParts<K, V>) {
    super()
    this.peer = parts.peer
    this.store = parts.peer.store
    this.discovery = parts.discovery
    this.relays = parts.relays
    this.tabs = parts.tabs
    this.#members = parts.members
    this.#gate = parts.gate
    this.#memberWindow = parts.memberWindow
  }

  /** The libp2p node. */
  get libp2p (): MeshLibp2p {
    return this.peer.libp2p
  }

  get online (): boolean {
    return this.#gate.online
  }

  /** Starts watching links; `createBrowserPeer` calls it. */
  watch (): void {
    const node = this.libp2p
    for (const name of ['connection:open', 'connection:close'] as const) node.addEventListener(name, this.#changedSoon)
    this.relays.addEventListener('change', this.#onRelaysChange)
    this.tabs?.addEventListener('tabs', this.#changedSoon)
    globalThis.addEventListener?.('pagehide', this.#onPageHide)
    globalThis.addEventListener?.('pageshow', this.#onPageShow)
    this.#ticker = setInterval(this.#changed, 1000)
    this.#changed()
  }

  /**
   * What is true now: the state in a word, whether a relay is reachable, the direct peers, the
   * members heard from recently (not only those connected), the other tabs.
   */
  status (): BrowserPeerStatus {
    const relayIds = this.relays.relayIds
    const direct = new Set<string>()
    for (const connection of this.libp2p.getConnections()) {
      const id = connection.remotePeer.toString()
      if (connection.limits == null && !relayIds.has(id)) direct.add(id)
    }
    for (const id of this.peer.stats().connectedPeers) this.#members.heard(id)
    const relays = this.relays.states
    if (direct.size > 0 || relays.some((relay) => relay.connected)) this.#everLinked = true
    return describeStatus({
      online: this.#gate.online,
      relays,
      directPeers: [...direct].sort(),
      members: this.#members.recent(this.#memberWindow),
      tabs: this.tabs?.tabs ?? [],
      relaysExpected: this.relays.expected,
      everLinked: this.#everLinked
    })
  }

  /**
   * Switches the peer off the network (every connection closed and refused, the tab channel
   * closed) or back on (relays dialled at once, browsers heard of before dialled again). Writes
   * go on offline and reach the mesh once back.
   */
  async setOnline (online: boolean): Promise<void> {
    if (online === this.#gate.online || this.#stopped) return
    this.#gate.online = online
    if (!online) {
      this.tabs?.close()
      await Promise.all(this.libp2p.getConnections().map(async (connection) => {
        await connection.close().catch((err: Error) => { connection.abort(err) })
      }))
    } else {
      this.tabs?.open()
      this.discovery.reconnect()
      await this.relays.dialNow()
      this.discovery.reconnect()
    }
    this.#changed()
  }

  /** Leaves the mesh: closes the tab channel, links, the node and the store. */
  async stop (): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    clearInterval(this.#ticker)
    clearTimeout(this.#soon)
    const node = this.libp2p
    for (const name of ['connection:open', 'connection:close'] as const) node.removeEventListener(name, this.#changedSoon)
    this.relays.removeEventListener('change', this.#onRelaysChange)
    this.tabs?.removeEventListener('tabs', this.#changedSoon)
    globalThis.removeEventListener?.('pagehide', this.#onPageHide)
    globalThis.removeEventListener?.('pageshow', this.#onPageShow)
    this.tabs?.close()
    this.discovery.stop()
    this.relays.stop()
    this.#members.stop()
    await this.peer.stop()
  }

  /** A closing tab says goodbye, so the others stop listing it at once. */
  readonly #onPageHide = (): void => {
    this.tabs?.close()
  }

  /** Back from the back-forward cache: the same page, so the same tab again. */
  readonly #onPageShow = (): void => {
    if (this.#gate.online && !this.#stopped) this.tabs?.open()
  }

  readonly #onRelaysChange = (): void => {
    // A relay that is back: browsers announce again through it and redial those heard of.
    if (this.relays.reachable) this.discovery.reconnect()
    this.#changedSoon()
  }

  readonly #changedSoon = (): void => {
    this.#soon ??= setTimeout(() => {
      this.#soon = undefined
      this.#changed()
    }, 50)
  }

  readonly #changed = (): void => {
    if (this.#stopped) return
    const status = this.status()
    const key = statusKey(status)
    if (key === this.#lastKey) return
    this.#lastKey = key
    this.safeDispatchEvent('status', { detail: status })
  }
}
