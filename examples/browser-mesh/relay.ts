import { BrowserDiscovery, MemStore, createMeshPeer, relayPreset, stringCodec, type MeshPeer } from '../../src/index.ts'
import { RelayData } from './relay-data.ts'

export interface RelayOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
  /** WebSockets port; 0 picks a free one. @default 0 */
  port?: number
  /** @default 'browser-mesh' */
  mesh?: string
  /** The relay's replica; a fresh in-memory one by default. */
  store?: MemStore<string, string>
  /** The mesh key: the relay reserves for, relays and syncs with only peers that prove it. @default undefined: an open mesh */
  meshKey?: string
  /**
   * Keeps the relay's libp2p key here (and writes its addresses to relay.json), so a restart
   * keeps its peer id and the addresses pages and peers hold. @default none: a new id each start
   */
  dataDir?: string
}

export interface Relay {
  readonly peer: MeshPeer<string, string>
  readonly store: MemStore<string, string>
  /** Its WebSockets multiaddrs, with its peer id: what browsers dial. */
  readonly addresses: string[]
  stop: () => Promise<void>
}

/**
 * The relay/bootstrap node browsers need for signalling: a Node.js peer of the mesh that listens
 * on WebSockets and runs a circuit relay v2 server. It holds and syncs the store like any other
 * peer, and forwards the browsers' discovery announcements so they can find each other.
 */
export async function startRelay (options: RelayOptions = {}): Promise<Relay> {
  const mesh = options.mesh ?? 'browser-mesh'
  const store = options.store ?? new MemStore<string, string>('relay', { keys: stringCodec, values: stringCodec })
  const data = options.dataDir == null ? undefined : new RelayData(options.dataDir)
  const peer = await createMeshPeer({
    store,
    mesh,
    meshKey: options.meshKey,
    libp2p: relayPreset({
      listen: [`/ip4/${options.host ?? '127.0.0.1'}/tcp/${options.port ?? 0}/ws`],
      meshKey: options.meshKey,
      privateKey: await data?.peerKey()
    })
  })
  await peer.start()
  // Subscribed only, so that gossipsub forwards the browsers' announcements between them.
  const discovery = new BrowserDiscovery(peer.libp2p, { topic: peer.topic, announce: false, dial: false })
  discovery.start()
  const addresses = peer.libp2p.getMultiaddrs().map(String).filter((address) => address.includes('/ws/'))
  await data?.writeAddresses(addresses)
  return {
    peer,
    store,
    addresses,
    stop: async () => {
      discovery.stop()
      await peer.stop()
    }
  }
}
