import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { gossipsub, type GossipsubOpts } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { diffSync, type DiffSyncInit } from '../../protocols/diff/index.ts'
import { meshGossipsubOptions } from '../gossip-limits.ts'
import type { Libp2pOptions } from 'libp2p'
import type { PeerDiscovery, PrivateKey } from '@libp2p/interface'

export interface BrowserPresetOptions {
  /** Relay/bootstrap peers to connect to (WebSockets multiaddrs with a peer id). @default [] */
  bootstrap?: string[]
  /** STUN/TURN servers for WebRTC. Pass `[]` to keep every byte on the local machine (tests). @default libp2p's public STUN servers */
  iceServers?: RTCIceServer[]
  /**
   * Allow dialling `ws://` and private or loopback addresses, which a browser node refuses by
   * default: needed for a relay on localhost or the LAN. @default false
   */
  allowPrivateAddresses?: boolean
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
}

/**
 * libp2p options for a browser peer: WebRTC between browsers, signalled through a circuit relay
 * reached over WebSockets; once connected, browsers talk directly.
 */
export function browserPreset (options: BrowserPresetOptions = {}): Libp2pOptions<Record<string, any>> {
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = []
  if (options.bootstrap != null && options.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: options.bootstrap }))
  return {
    privateKey: options.privateKey,
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    transports: [
      webRTC(options.iceServers == null ? {} : { rtcConfiguration: { iceServers: options.iceServers } }),
      webSockets(),
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionGater: options.allowPrivateAddresses === true ? { denyDialMultiaddr: () => false } : undefined,
    services: {
      identify: identify(),
      pubsub: gossipsub({ ...meshGossipsubOptions(), ...options.gossipsub }),
      diffSync: diffSync(options.diff)
    }
  }
}
