import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { nodePreset, type NodePresetOptions } from './node-preset.ts'
import type { Libp2pOptions } from 'libp2p'

export interface RelayPresetOptions extends Pick<NodePresetOptions, 'privateKey' | 'gossipsub' | 'diff'> {
  /** Addresses to listen on; browsers reach the relay over WebSockets. @default ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws'] */
  listen?: string[]
  /** Peers that may hold a relay reservation at once. @default 128 */
  maxReservations?: number
}

/**
 * libp2p options for a relay and bootstrap node: the well-known address that browser peers
 * (and Node peers behind NAT) connect to first, reserve a circuit-relay slot on, and signal
 * WebRTC through, after which they talk directly. It is {@link nodePreset} (TCP, WebSockets,
 * gossipsub, the diff protocol) plus a circuit relay v2 server, so it can host a mesh peer of its
 * own (`createMeshPeer({ store, libp2p: relayPreset() })`) and keep the mesh's state while
 * browsers come and go. It is not required for syncing: peers keep replicating when it stops.
 * Keep its `privateKey` so that peers' bootstrap lists stay valid across restarts.
 */
export function relayPreset (options: RelayPresetOptions = {}): Libp2pOptions<Record<string, any>> {
  const base = nodePreset({ listen: options.listen, privateKey: options.privateKey, gossipsub: options.gossipsub, diff: options.diff })
  return {
    ...base,
    services: {
      ...base.services,
      relay: circuitRelayServer({ reservations: { maxReservations: options.maxReservations ?? 128 } })
    }
  }
}
