import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub, type GossipsubOpts } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { diffSync, type DiffSyncInit } from '../../protocols/diff/index.ts'
import { meshGossipsubOptions } from '../gossip-limits.ts'
import type { Libp2pOptions } from 'libp2p'
import type { ConnectionGater, PeerDiscovery, PrivateKey } from '@libp2p/interface'

export interface NodePresetOptions {
  /** Addresses to listen on. @default ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws'] */
  listen?: string[]
  /** Multiaddrs of peers to connect to at start. @default [] */
  bootstrap?: string[]
  /** Find peers on the local network by multicast DNS. @default false */
  mdns?: boolean
  /** The node's identity; a fresh one by default. Keep it to stay the same peer across restarts. */
  privateKey?: PrivateKey
  /**
   * Gossipsub options over the mesh's (see `meshGossipsubOptions`: an inbound RPC limit of
   * 512 KiB, peer scoring that graylists a peer sending invalid messages). Given
   * `scoreParams` replace the mesh's whole; a mesh peer still scores its own topic.
   * @default meshGossipsubOptions()
   */
  gossipsub?: Partial<GossipsubOpts>
  /** Options of the diff protocol. @default {} */
  diff?: DiffSyncInit
  connectionGater?: ConnectionGater
  /**
   * Inbound connections accepted per second from one IP address; beyond it libp2p resets them.
   * libp2p's own 5 is exceeded by a mesh's peers on one machine or behind one NAT dialling a
   * peer together (a restart, a mesh forming). @default 25
   */
  inboundConnectionsPerSecond?: number
}

/** The least time a connection's ping may take before libp2p aborts the connection (its own is 5 s). */
const PING_TIMEOUT_MS = 15_000

/** libp2p options for a Node.js peer: TCP and WebSockets, Noise, Yamux, identify, gossipsub and the diff protocol. */
export function nodePreset (options: NodePresetOptions = {}): Libp2pOptions<Record<string, any>> {
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = []
  if (options.bootstrap != null && options.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: options.bootstrap }))
  if (options.mdns === true) peerDiscovery.push(mdns())
  return {
    privateKey: options.privateKey,
    addresses: { listen: options.listen ?? ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws'] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionGater: options.connectionGater,
    connectionManager: { inboundConnectionThreshold: options.inboundConnectionsPerSecond ?? 25 },
    // libp2p aborts a connection whose ping takes over 5 s; a peer whose event loop is busy
    // with a burst (or a machine shared with other work) stalls that long, and each link lost
    // costs a reconnection, a new gossip mesh and a full pull both ways (50 peers: 350 connect
    // pulls in one burst). A dead peer is still found within 15 s of a ping.
    connectionMonitor: { pingTimeout: { minTimeout: PING_TIMEOUT_MS } },
    services: {
      identify: identify(),
      pubsub: gossipsub({ ...meshGossipsubOptions(), ...options.gossipsub }),
      diffSync: diffSync(options.diff)
    }
  }
}
