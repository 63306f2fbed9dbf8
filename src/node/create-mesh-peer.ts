import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { diffSync } from '../protocols/diff/index.ts'
import { InvalidArgumentError } from '../store/errors.ts'
import { MeshPeer, type MeshLibp2p, type MeshPeerOptions } from './mesh-peer.ts'
import type { MemStore } from '../store/mem-store.ts'

export interface CreateMeshPeerOptions<K, V> extends MeshPeerOptions {
  /** The replica this peer shares. */
  store: MemStore<K, V>
  /**
   * A libp2p node the app already made, with gossipsub as `services.pubsub`; or options for a
   * new one (`nodePreset()`, `browserPreset()` or your own), to which identify, gossipsub and the
   * diff protocol are added when missing. A node made here is started and stopped with the peer.
   */
  libp2p: MeshLibp2p | Libp2pOptions<Record<string, unknown>>
}

function isNode (value: unknown): value is MeshLibp2p {
  return typeof value === 'object' && value != null && 'dialProtocol' in value && 'peerId' in value
}

/**
 * Makes a peer of a mesh: call `start()` to join, `stop()` to leave.
 *
 * @example
 * ```ts
 * const store = new MemStore<string, string>('laptop', { keys: stringCodec, values: stringCodec })
 * const peer = await createMeshPeer({ store, mesh: 'notes', libp2p: nodePreset({ mdns: true }) })
 * await peer.start()
 * store.set('hello', 'world')   // published to every peer of the mesh
 * ```
 */
export async function createMeshPeer<K, V> (options: CreateMeshPeerOptions<K, V>): Promise<MeshPeer<K, V>> {
  const { store, libp2p, ...peerOptions } = options
  if (store == null || typeof store.integrateOps !== 'function') throw new InvalidArgumentError('createMeshPeer needs a store')
  if (isNode(libp2p)) {
    if (libp2p.services?.pubsub == null) {
      throw new InvalidArgumentError('the libp2p node needs gossipsub registered as services.pubsub')
    }
    return new MeshPeer(store, libp2p, false, peerOptions)
  }
  if (libp2p == null || typeof libp2p !== 'object') throw new InvalidArgumentError('createMeshPeer needs a libp2p node or options for one')
  const node = await createLibp2p({
    ...libp2p,
    start: false,
    services: {
      identify: identify(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
      diffSync: diffSync(peerOptions.diff),
      ...libp2p.services,
      // Diff options given to the peer itself win over a preset's defaults.
      ...(peerOptions.diff == null ? {} : { diffSync: diffSync(peerOptions.diff) })
    }
  }) as unknown as MeshLibp2p
  return new MeshPeer(store, node, true, peerOptions)
}
