import { InvalidArgumentError } from './errors.ts'
import type { ReplicaId } from './types.ts'

export const REPLICA_ID_BYTES = 16
const HEX = /^[0-9a-f]{32}$/

/**
 * Makes a fresh replica id. Every new store, named or not, gets its own: two stores labelled
 * "alice" must never share a dot space. (Binding ids to a peer's key will live here too.)
 */
export function newReplicaId (): ReplicaId {
  return replicaIdFromBytes(crypto.getRandomValues(new Uint8Array(REPLICA_ID_BYTES)))
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

export function replicaIdFromBytes (bytes: Uint8Array): ReplicaId {
  let hex = ''
  for (let i = 0; i < REPLICA_ID_BYTES; i++) hex += HEX_PAIRS[bytes[i]]
  return hex
}

export function replicaIdToBytes (id: ReplicaId): Uint8Array {
  const bytes = new Uint8Array(REPLICA_ID_BYTES)
  for (let i = 0; i < REPLICA_ID_BYTES; i++) bytes[i] = parseInt(id.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

export function assertReplicaId (id: unknown): asserts id is ReplicaId {
  if (typeof id !== 'string' || !HEX.test(id)) {
    throw new InvalidArgumentError(`a replica id is 32 lowercase hex characters, got ${JSON.stringify(id)}`)
  }
}
