import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { diffSync } from '../protocols/diff/index.ts'
import { InvalidArgumentError } from '../store/errors.ts'
import { LevelStore, type LevelStoreOptions } from '../store/level/level-store.ts'
import { meshGossipsubOptions } from './gossip-limits.ts'
import { privateKeyId, privateMeshOptions } from './membership/private-mesh.ts'
import { MeshPeer, type MeshLibp2p, type MeshPeerOptions } from './mesh-peer.ts'
import type { MemStore } from '../store/mem-store.ts'
import type { ReplicaStore } from '../store/replica-store.ts'
import type { PeerId } from '@libp2p/interface'

export interface CreateMeshPeerOptions<K, V> extends MeshPeerOptions {
  /** The replica this peer shares, in memory or persistent. Give this or `dataDir`. */
  store?: MemStore<K, V> | LevelStore<K, V>
  /**
   * Where to keep the replica when no `store` is given: a directory on Node.js, an IndexedDB
   * database name in browsers. The peer opens a persistent store there and closes it on `stop()`.
   */
  dataDir?: string
  /** Codecs and clock for the store opened at `dataDir`. */
  storeOptions?: LevelStoreOptions<K, V>
  /**
   * A libp2p node the app already made, with gossipsub as `services.pubsub`; or options for a
   * new one (`nodePreset()`, `browserPreset()` or your own), to which identify, gossipsub and the
   * diff protocol are added when missing. A node made here is started and stopped with the peer.
   */
  libp2p: MeshLibp2p | Libp2pOptions<Record<string, unknown>>
  /**
   * Peers allowed to connect at all: every connection, inbound or outbound over any transport,
   * every relay reservation and every relayed connection with a peer not on the list is refused
   * by the connection gater. Works with or without a `meshKey`; needs `libp2p` options, not a
   * node already made. @default undefined: no allow-list
   */
  allow?: ReadonlyArray<string | PeerId>
  /** How long a connection's membership proof may take before its peer is refused, in ms (with a `meshKey`). @default 5000 */
  proofTimeout?: number
  /**
   * `false`: writers are not bound to keys, for a mesh whose members all trust each other (one
   * user's devices, a closed team). Nothing is signed or verified and ops travel as compact as
   * before writer keys; what is given up: any member can write as another and suppress others'
   * writes. The store opened at `dataDir` is made (and must be reopened) that way; a `store`
   * given must have been made with the same setting. The peer then uses a topic
   * (`…/unsigned`) and diff mesh name of its own: signed and unsigned peers never exchange ops.
   * @default true
   */
  writerKeys?: boolean
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
export async function createMeshPeer<K = Uint8Array, V = Uint8Array> (options: CreateMeshPeerOptions<K, V>): Promise<MeshPeer<K, V>> {
  const { store: given, dataDir, storeOptions, libp2p, allow, proofTimeout, writerKeys, ...peerOptions } = options
  if (given == null && dataDir == null) throw new InvalidArgumentError('createMeshPeer needs a store or a dataDir')
  if (given != null && typeof given.integrateOps !== 'function') throw new InvalidArgumentError('store is not a roaring-mesh store')
  if (given != null && writerKeys != null && given.writerKeys !== writerKeys) throw new InvalidArgumentError(`writerKeys: ${String(writerKeys)}, but the store given was made with writerKeys: ${String(given.writerKeys)}`)
  const store = given ?? await LevelStore.open<K, V>(dataDir!, writerKeys == null ? storeOptions : { ...storeOptions, writerKeys })
  try {
    return await makePeer(store, given == null, libp2p, peerOptions, allow, proofTimeout)
  } catch (err) {
    if (given == null) await (store as LevelStore<K, V>).close()
    throw err
  }
}

async function makePeer<K, V> (store: ReplicaStore<K, V>, ownsStore: boolean, libp2p: CreateMeshPeerOptions<K, V>['libp2p'], peerOptions: MeshPeerOptions, allow: CreateMeshPeerOptions<K, V>['allow'], proofTimeout: number | undefined): Promise<MeshPeer<K, V>> {
  if (isNode(libp2p)) {
    if (libp2p.services?.pubsub == null) {
      throw new InvalidArgumentError('the libp2p node needs gossipsub registered as services.pubsub')
    }
    if (allow != null) throw new InvalidArgumentError('allow needs libp2p options: the connection gater of a node already made cannot change')
    if (libp2p.services.meshProof != null && peerOptions.meshKey == null) throw new InvalidArgumentError('the node proves a mesh key: give createMeshPeer the same meshKey')
    warnIfOpen(libp2p, peerOptions.meshKey != null || libp2p.services.meshProof != null, false)
    return new MeshPeer(store, libp2p, false, peerOptions, ownsStore)
  }
  if (libp2p == null || typeof libp2p !== 'object') throw new InvalidArgumentError('createMeshPeer needs a libp2p node or options for one')
  // Options made private (relayPreset({ meshKey })) need the key here too: the peer seals with it.
  if (privateKeyId(libp2p) != null && peerOptions.meshKey == null) throw new InvalidArgumentError('the libp2p options hold a mesh key: give createMeshPeer the same meshKey')
  const options = privateMeshOptions(libp2p, { meshKey: peerOptions.meshKey, allow, proofTimeout })
  const node = await createLibp2p({
    ...options,
    start: false,
    services: {
      identify: identify(),
      pubsub: gossipsub(meshGossipsubOptions({ maxMessageBytes: peerOptions.maxMessageBytes })),
      ...options.services,
      // Diff options given to the peer itself win over a preset's service.
      diffSync: peerOptions.diff != null || options.services?.diffSync == null ? diffSync(peerOptions.diff) : options.services.diffSync
    }
  }) as unknown as MeshLibp2p
  warnIfOpen(node, privateKeyId(options) != null, allow != null)
  return new MeshPeer(store, node, true, peerOptions, ownsStore)
}

/** An open mesh is a choice, not an accident: it is said once, in the peer's log. */
function warnIfOpen (node: MeshLibp2p, keyed: boolean, allowList: boolean): void {
  if (keyed || allowList) return
  node.logger.forComponent('roaring-mesh:peer').error('this mesh is open: anyone who can reach this peer can read and write its store (give createMeshPeer a meshKey or an allow-list to make it private)')
}
