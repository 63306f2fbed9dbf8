import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { gossipsub, type GossipsubOpts } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { diffSync, type DiffSyncInit } from '../../protocols/diff/index.ts'
import type { Libp2pOptions } from 'libp2p'
import type { PrivateKey } from '@libp2p/interface'

export interface RelayPresetOptions {
  /** Addresses to listen on; browsers reach the relay over WebSockets. @default ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws'] */
  listen?: string[]
  /** Keep it so that peers' bootstrap lists stay valid across restarts; a fresh one by default. */
  privateKey?: PrivateKey
  /** Peers that may hold a relay reservation at once. @default 128 */
  maxReservations?: number
  gossipsub?: Partial<GossipsubOpts>
  diff?: DiffSyncInit
}

/**
 * libp2p options for a relay and bootstrap node: the well-known address that browser peers
 * (and Node peers behind NAT) connect to first, reserve a circuit-relay slot on, and signal
 * WebRTC through, after which they talk directly. It also runs gossipsub and the diff protocol,
 * so it can host a mesh peer of its own (`createMeshPeer({ store, libp2p: relayPreset() })`)
 * and keep the mesh's state while browsers come and go. It is not required for syncing: peers
 * keep replicating when it stops.
 */
export function relayPreset (options: RelayPresetOptions = {}): Libp2pOptions<Record<string, any>> {
  return {
    privateKey: options.privateKey,
    addresses: { listen: options.listen ?? ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws'] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      relay: circuitRelayServer({ reservations: { maxReservations: options.maxReservations ?? 128 } }),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, ...options.gossipsub }),
      diffSync: diffSync(options.diff)
    }
  }
}
