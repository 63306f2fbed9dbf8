/**
 * The membership proof, `/roaring-mesh/proof/1.0.0`: on every new connection, each peer of a
 * private mesh proves to the other that it holds the mesh key, before any other roaring-mesh
 * protocol serves it. See README.md beside this file for the exchange.
 *
 * The peer that dialled opens the stream as soon as the connection opens; the other waits for it
 * (at most `timeout`). A connection whose peer does not prove the key in time, or proves it
 * wrong, is refused: {@link MeshProof.verdict} resolves false, a `refused` event fires (the first
 * refusal of each peer is logged), and the connection is closed shortly after.
 *
 * @example
 * ```ts
 * const node = await createLibp2p({ services: { meshProof: meshProof({ meshKey }), … } })
 * node.services.meshProof.isMember(peerId)
 * ```
 */
import { MeshProof } from './mesh-proof.ts'
import type { ComponentLogger, Connection, Libp2pEvents, PeerId, StreamHandler, StreamHandlerOptions, AbortOptions, TypedEventTarget } from '@libp2p/interface'

export { NotAMemberError } from './errors.ts'
export { PROTOCOL as PROOF_PROTOCOL } from './mesh-proof.ts'
export type { MeshProof }

export interface MeshProofInit {
  /** The mesh key (see `generateMeshKey()`): 32 bytes, or their base64url. */
  meshKey: string | Uint8Array
  /** How long a connection's proof may take, each way, before its peer is refused, in ms. @default 5000 */
  timeout?: number
  /** @default 4 */
  maxInboundStreams?: number
}

export interface MeshProofComponents {
  peerId: PeerId
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
  }
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

export interface MeshProofStats {
  /** Connections whose peer proved the key, and connections refused. */
  proven: number
  refused: number
}

export interface RefusedDetail {
  readonly peer: PeerId
  readonly connection: Connection
  readonly error: Error
}

export interface MeshProofEvents {
  /** A connection's peer proved the key. */
  member: CustomEvent<Connection>
  /** A connection's peer did not; the connection is about to close. */
  refused: CustomEvent<RefusedDetail>
}

/** The membership proof as a libp2p service: `services: { meshProof: meshProof({ meshKey }) }`. */
export function meshProof (init: MeshProofInit): (components: MeshProofComponents) => MeshProof {
  return (components) => new MeshProof(components, init)
}
