/**
 * Turns libp2p options into those of a private mesh's node: an allow-list in the connection
 * gater, and with a mesh key the membership proof service, whose verdicts gate the relay
 * (reservations and circuits only for peers that proved the key). Used by `createMeshPeer` on the
 * options it is given and by `relayPreset`, so a bare relay is as private as a mesh peer.
 */
import { meshProof, type MeshProof } from '../../protocols/proof/index.ts'
import { InvalidArgumentError } from '../../store/errors.ts'
import { meshSecrets, parseMeshKey } from '../mesh-key.ts'
import { parseAllowList } from './allow-list.ts'
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'

export interface PrivateMeshInit {
  /** See `CreateMeshPeerOptions.meshKey`. */
  meshKey?: string | Uint8Array
  /** See `CreateMeshPeerOptions.allow`. */
  allow?: ReadonlyArray<string | PeerId>
  /** How long a connection's membership proof may take, in ms. @default 5000 */
  proofTimeout?: number
}

/** Options already made private carry the id of their key, so that a second pass (createMeshPeer over relayPreset) adds nothing twice. */
const KEY_ID = Symbol.for('roaring-mesh.meshKeyId')

type Options = Libp2pOptions<Record<string, any>> & { [KEY_ID]?: string }

/** The key id of options made private, if any. */
export function privateKeyId (options: object): string | undefined {
  return (options as Options)[KEY_ID]
}

export function privateMeshOptions<T extends Libp2pOptions<Record<string, any>>> (options: T, init: PrivateMeshInit): T {
  let result = options as Options
  if (init.allow != null) result = withAllowList(result, parseAllowList(init.allow))
  if (init.meshKey != null) result = withMeshKey(result, init.meshKey, init.proofTimeout)
  return result as T
}

type GaterMethod = (...args: any[]) => boolean | Promise<boolean>

const GATER_METHODS: Array<keyof ConnectionGater> = [
  'denyDialPeer', 'denyDialMultiaddr', 'denyInboundConnection', 'denyOutboundConnection',
  'denyInboundEncryptedConnection', 'denyOutboundEncryptedConnection', 'denyInboundUpgradedConnection',
  'denyOutboundUpgradedConnection', 'denyInboundRelayReservation', 'denyOutboundRelayedConnection',
  'denyInboundRelayedConnection', 'filterMultiaddrForPeer'
]

/** The app's gater (a plain object or a class instance) with `deny` checked first. */
function gate (base: ConnectionGater | undefined, deny: ConnectionGater): ConnectionGater {
  const gater: ConnectionGater = {}
  for (const name of GATER_METHODS) {
    const previous = base?.[name] as GaterMethod | undefined
    const check = deny[name] as GaterMethod | undefined
    if (check == null) {
      if (previous != null) gater[name] = previous.bind(base) as any
      continue
    }
    gater[name] = (async (...args: any[]) => (await check(...args)) || (previous != null && (await previous.apply(base, args)))) as any
  }
  return gater
}

/** Every connection, either way and over any transport (WebRTC's too: it is upgraded), and every relay use, only with peers on the list. */
function withAllowList (options: Options, allowed: Set<string>): Options {
  const denied = (peer: PeerId): boolean => !allowed.has(peer.toString())
  return {
    ...options,
    connectionGater: gate(options.connectionGater, {
      denyDialPeer: denied,
      denyInboundEncryptedConnection: denied,
      denyOutboundEncryptedConnection: denied,
      denyInboundUpgradedConnection: denied,
      denyOutboundUpgradedConnection: denied,
      denyInboundRelayReservation: denied,
      denyOutboundRelayedConnection: (source: PeerId, destination: PeerId) => denied(source) || denied(destination),
      denyInboundRelayedConnection: (_relay: PeerId, remote: PeerId) => denied(remote)
    })
  }
}

function withMeshKey (options: Options, meshKey: string | Uint8Array, timeout?: number): Options {
  const { keyId } = meshSecrets(parseMeshKey(meshKey))
  const existing = options[KEY_ID]
  if (existing != null) {
    if (existing !== keyId) throw new InvalidArgumentError('the libp2p options were made private with another mesh key')
    return options
  }
  if (options.services?.meshProof != null) throw new InvalidArgumentError('the libp2p options already have a meshProof service: give the mesh key once')
  // The gater is made before the node, the proof service with it: it learns of the service late.
  let proof: MeshProof | undefined
  const factory = meshProof({ meshKey, timeout })
  const member = async (peer: PeerId): Promise<boolean> => proof != null && await proof.verdictForPeer(peer)
  return {
    ...options,
    [KEY_ID]: keyId,
    services: {
      ...options.services,
      meshProof: (components: any) => (proof = factory(components))
    },
    connectionGater: gate(options.connectionGater, {
      // A reservation request may come before the proof on its connection ended: it waits for it.
      denyInboundRelayReservation: async (peer: PeerId) => !(await member(peer)),
      denyOutboundRelayedConnection: async (source: PeerId) => !(await member(source))
    })
  }
}
