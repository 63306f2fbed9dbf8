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

// Ids read back from messages and records are the same few writers again and again. Keeping the
// last few hands out the same string each time: no hex is built, and the maps keyed by id reuse
// the hash the string already carries.
const RECENT_IDS = 16
const recentBytes: Array<Uint8Array | undefined> = new Array(RECENT_IDS).fill(undefined)
const recentIds: ReplicaId[] = new Array(RECENT_IDS).fill('')
let nextRecent = 0

function sameIdAt (known: Uint8Array, bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < REPLICA_ID_BYTES; i++) if (known[i] !== bytes[at + i]) return false
  return true
}

/** The id whose 16 bytes start at `at` in `bytes` (the caller has checked they are there). */
export function replicaIdAt (bytes: Uint8Array, at: number): ReplicaId {
  for (let i = 0; i < RECENT_IDS; i++) {
    const known = recentBytes[i]
    if (known != null && sameIdAt(known, bytes, at)) return recentIds[i]
  }
  const idBytes = bytes.slice(at, at + REPLICA_ID_BYTES)
  const id = replicaIdFromBytes(idBytes)
  recentBytes[nextRecent] = idBytes
  recentIds[nextRecent] = id
  nextRecent = (nextRecent + 1) % RECENT_IDS
  return id
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
