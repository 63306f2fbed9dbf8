import { MemStore, createMeshPeer, stringCodec, type MeshPeer } from '../../src/index.ts'
import { relayPreset } from '../../src/index.ts'
import { BrowserDiscovery } from './shared/discovery.ts'

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
  const peer = await createMeshPeer({
    store,
    mesh,
    meshKey: options.meshKey,
    libp2p: relayPreset({ listen: [`/ip4/${options.host ?? '127.0.0.1'}/tcp/${options.port ?? 0}/ws`], meshKey: options.meshKey })
  })
  await peer.start()
  const discovery = new BrowserDiscovery(peer.libp2p, { mesh, active: false })
  discovery.start()
  return {
    peer,
    store,
    addresses: peer.libp2p.getMultiaddrs().map(String).filter((address) => address.includes('/ws/')),
    stop: async () => {
      discovery.stop()
      await peer.stop()
    }
  }
}
