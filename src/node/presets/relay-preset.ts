import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { privateMeshOptions } from '../membership/private-mesh.ts'
import { nodePreset, type NodePresetOptions } from './node-preset.ts'
import { releaseOnDisconnect } from './relay-reservations.ts'
import type { Libp2pOptions } from 'libp2p'
import type { PeerId } from '@libp2p/interface'

export interface RelayPresetOptions extends Pick<NodePresetOptions, 'privateKey' | 'gossipsub' | 'diff'> {
  /** Addresses to listen on; browsers reach the relay over WebSockets. @default ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws'] */
  listen?: string[]
  /** Peers that may hold a relay reservation at once. @default 128 */
  maxReservations?: number
  /**
   * How long a reservation lasts unless its peer renews it, in ms; it also ends when the peer
   * disconnects. @default 600000 (10 minutes; libp2p's own default is 2 hours)
   */
  reservationTtl?: number
  /**
   * The mesh key: reservations and relayed connections only for peers that proved it on their
   * connection to the relay, which refuses (and disconnects) everyone else. @default undefined: anyone may reserve
   */
  meshKey?: string | Uint8Array
  /** Only these peers may connect to the relay, reserve on it, or be relayed to. @default undefined: no allow-list */
  allow?: ReadonlyArray<string | PeerId>
  /** How long a connection's membership proof may take before its peer is refused, in ms (with a `meshKey`). @default 5000 */
  proofTimeout?: number
}

/**
 * libp2p options for a relay and bootstrap node: the well-known address that browser peers
 * (and Node peers behind NAT) connect to first, reserve a circuit-relay slot on, and signal
 * WebRTC through, after which they talk directly. It is {@link nodePreset} (TCP, WebSockets,
 * gossipsub, the diff protocol) plus a circuit relay v2 server, so it can host a mesh peer of its
 * own (`createMeshPeer({ store, libp2p: relayPreset() })`) and keep the mesh's state while
 * browsers come and go. It is not required for syncing: peers keep replicating when it stops.
 * Keep its `privateKey` so that peers' bootstrap lists stay valid across restarts.
 * Each peer holds at most one reservation (a second request renews the first), and each relayed
 * connection is limited by libp2p's defaults (2 minutes, 128 KiB): enough to signal WebRTC.
 */
export function relayPreset (options: RelayPresetOptions = {}): Libp2pOptions<Record<string, any>> {
  const base = nodePreset({ listen: options.listen, privateKey: options.privateKey, gossipsub: options.gossipsub, diff: options.diff })
  const relay = circuitRelayServer({
    reservations: {
      maxReservations: options.maxReservations ?? 128,
      reservationTtl: options.reservationTtl ?? 10 * 60 * 1000
    }
  })
  return privateMeshOptions({
    ...base,
    services: {
      ...base.services,
      relay: releaseOnDisconnect(relay as any)
    }
  }, { meshKey: options.meshKey, allow: options.allow, proofTimeout: options.proofTimeout })
}
