import { multiaddr } from '@multiformats/multiaddr'
import { stringCodec, type Codec } from '../../store/codecs.ts'
import { InvalidArgumentError } from '../../store/errors.ts'
import { createMeshPeer } from '../create-mesh-peer.ts'
import { PeerMembership } from '../membership/peer-membership.ts'
import { browserPreset } from '../presets/browser-preset.ts'
import { BrowserDiscovery } from './browser-discovery.ts'
import { BrowserPeer } from './browser-peer.ts'
import { discoveryTopic } from './discovery-announcement.ts'
import { MeshMembers } from './mesh-members.ts'
import { OnlineGate } from './online-gate.ts'
import { RelayLinks, type RelayLinksOptions, type RelaySource } from './relay-links.ts'
import { TabChannel, type TabChannelOptions } from './tab-channel.ts'
import { tabReplicaName } from './tab-identity.ts'
import type { MeshPeerOptions } from '../mesh-peer-types.ts'

export interface CreateBrowserPeerOptions<K, V> extends Pick<MeshPeerOptions, 'meshKey' | 'antiEntropy' | 'announce' | 'coalesceMs' | 'maxMessageBytes' | 'diff'> {
  /** The mesh (shared store) to join. @default 'default' */
  mesh?: string
  /**
   * The relays' WebSockets multiaddrs, each ending in `/p2p/<peer id>` (browsers find each other
   * through them), or a function that returns them (say, from your server's config): it is called
   * again whenever every relay has been out of reach for a while. `ws://` and private addresses
   * given here may be dialled (a relay on localhost or the LAN). @default [] (tabs only)
   */
  relays?: RelaySource
  /**
   * The IndexedDB database's name, to which each tab adds its own replica name (kept across
   * reloads, see `tabs`). @default `roaring-mesh/` and the mesh's topic (named after the key in a private mesh)
   */
  dbName?: string
  /**
   * `false`: writers are not bound to keys, for a mesh whose members all trust each other: nothing
   * is signed or verified (ops as compact as before writer keys), and any member can write as
   * another and suppress others' writes. Such a peer has its own topic, diff mesh name and
   * IndexedDB database: signed and unsigned peers never exchange ops. @default true
   */
  writerKeys?: boolean
  /** Codec of keys. @default stringCodec */
  keys?: Codec<K>
  /** Codec of values. @default stringCodec */
  values?: Codec<V>
  /** STUN/TURN servers for WebRTC; `[]` keeps every byte on the local network. @default libp2p's public STUN servers */
  iceServers?: RTCIceServer[]
  /** Sync with this browser's other tabs through a `BroadcastChannel`, with no network. @default true */
  tabs?: boolean | TabChannelOptions
  /** Start switched off the network (see `BrowserPeer.setOnline`). @default true */
  online?: boolean
  /** Redialing the relays. @default minBackoff 1 s, doubling to maxBackoff 8 s, ±20 % jitter */
  relayLinks?: RelayLinksOptions
  /** Announce this peer on the discovery topic this often, in ms (members expire after three). @default 10000 */
  announceInterval?: number
  /** A member heard from within this long counts in `status().members`, in ms. @default 3 × announceInterval */
  memberWindow?: number
}

/**
 * Makes and starts a browser peer of a mesh, in one call: a replica in IndexedDB (one per tab,
 * kept across reloads), a libp2p node that reaches the relays over WebSockets and the other
 * browsers directly over WebRTC, links to the relays that heal when they restart or move, and a
 * tab channel so that tabs of this browser sync with no network at all.
 *
 * @example
 * ```ts
 * import { createBrowserPeer } from 'roaring-mesh'
 *
 * const peer = await createBrowserPeer({ mesh: 'notes', relays: ['/dns4/relay.example.com/tcp/443/wss/p2p/12D3KooW…'] })
 * peer.store.set('hello', 'world')     // reaches every peer of the mesh
 * peer.addEventListener('status', (event) => { console.log(event.detail.state) })
 * ```
 */
export async function createBrowserPeer<K = string, V = string> (options: CreateBrowserPeerOptions<K, V> = {}): Promise<BrowserPeer<K, V>> {
  if (Array.isArray(options.relays)) for (const address of options.relays) checkRelayAddress(address)
  const mesh = options.mesh ?? 'default'
  const topic = new PeerMembership(mesh, options.meshKey, undefined, options.writerKeys !== false).topic
  const replica = await tabReplicaName(options.dbName ?? `roaring-mesh/${topic}`)
  let relays: RelayLinks | undefined
  const gate = new OnlineGate(() => relays?.links.map((link) => link.address.toString()) ?? (Array.isArray(options.relays) ? options.relays : []))
  gate.online = options.online ?? true
  const peer = await createMeshPeer<K, V>({
    dataDir: replica,
    storeOptions: {
      name: replica,
      keys: options.keys ?? stringCodec as unknown as Codec<K>,
      values: options.values ?? stringCodec as unknown as Codec<V>,
      writerKeys: options.writerKeys
    },
    mesh,
    meshKey: options.meshKey,
    // Browsers come and go: repair more often than the library's default.
    antiEntropy: options.antiEntropy ?? { interval: 10_000, jitter: 3_000, minTriggeredInterval: 500 },
    announce: options.announce,
    coalesceMs: options.coalesceMs,
    maxMessageBytes: options.maxMessageBytes,
    diff: options.diff,
    libp2p: { ...browserPreset({ iceServers: options.iceServers }), connectionGater: gate.gater }
  })
  const node = peer.libp2p
  relays = new RelayLinks(node, options.relays ?? [], { ...options.relayLinks, isOnline: () => gate.online })
  const interval = options.announceInterval ?? 10_000
  const discovery = new BrowserDiscovery(node, { topic: peer.topic, interval, isOnline: () => gate.online })
  const members = new MeshMembers(node.services.pubsub, [peer.topic, discoveryTopic(peer.topic)], node.peerId.toString())
  const tabs = options.tabs === false
    ? undefined
    : new TabChannel(peer.store, `roaring-mesh/tabs/${topic}`, options.tabs === true ? {} : options.tabs)
  const browserPeer = new BrowserPeer<K, V>({ peer, discovery, relays, tabs, members, gate, memberWindow: options.memberWindow ?? 3 * interval })
  try {
    await peer.start()
    members.start()
    discovery.start()
    await relays.start()
    if (gate.online) tabs?.open()
    browserPeer.watch()
  } catch (err) {
    await browserPeer.stop().catch(() => {})
    throw err
  }
  return browserPeer
}

/** A relay given in a list must be dialable as that relay: a multiaddr ending in its peer id. */
function checkRelayAddress (address: unknown): void {
  if (typeof address !== 'string') throw new InvalidArgumentError(`a relay address must be a multiaddr string, got ${typeof address}`)
  let components
  try {
    components = multiaddr(address).getComponents()
  } catch {
    throw new InvalidArgumentError(`relay address ${JSON.stringify(address)} is not a multiaddr (one looks like /dns4/relay.example.com/tcp/443/wss/p2p/12D3KooW…)`)
  }
  if (components.at(-1)?.name !== 'p2p') throw new InvalidArgumentError(`relay address ${JSON.stringify(address)} names no peer: it must end in /p2p/<peer id>`)
}
