/**
 * Mesh keys: one 32-byte secret shared by the members of a private mesh, and everything derived
 * from it. Each use gets its own key by HKDF-SHA256 with a distinct info string, so that the
 * proof of membership, the sealing of topic messages and the names outsiders could look for
 * never share key material.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { InvalidArgumentError } from '../store/errors.ts'

/** The length of a mesh key, in bytes. */
export const MESH_KEY_BYTES = 32

const encoder = new TextEncoder()

/** What a member derives from the mesh key once, when its peer is made. */
export interface MeshSecrets {
  /** The HMAC key of the membership proof (`/roaring-mesh/proof/1.0.0`). */
  readonly proofKey: Uint8Array
  /** The AEAD key topic messages are sealed under. */
  readonly sealKey: Uint8Array
  /** A short public name of the key (16 hex digits): two peers with the same id hold the same key. */
  readonly keyId: string
}

/**
 * A fresh mesh key, as base64url (43 characters): give it to `createMeshPeer({ meshKey })` on
 * every device of the mesh, and to no one else.
 *
 * @example
 * ```ts
 * const meshKey = generateMeshKey()
 * const peer = await createMeshPeer({ store, mesh: 'notes', meshKey, libp2p: nodePreset() })
 * ```
 */
export function generateMeshKey (): string {
  return toBase64url(randomBytes(MESH_KEY_BYTES))
}

/** A mesh key as bytes; throws {@link InvalidArgumentError} for anything but 32 bytes or their base64url. */
export function parseMeshKey (key: string | Uint8Array): Uint8Array {
  if (key instanceof Uint8Array) {
    if (key.byteLength !== MESH_KEY_BYTES) throw new InvalidArgumentError(`a mesh key is ${MESH_KEY_BYTES} bytes, got ${key.byteLength}`)
    return Uint8Array.from(key)
  }
  if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(key)) {
    throw new InvalidArgumentError('a mesh key is 43 base64url characters (see generateMeshKey())')
  }
  return fromBase64url(key)
}

/** A key derived from the mesh key for one purpose, named by `info`. */
function derive (meshKey: Uint8Array, info: string, bytes: number): Uint8Array {
  return hkdf(sha256, meshKey, undefined, encoder.encode(`roaring-mesh ${info} v1`), bytes)
}

export function meshSecrets (meshKey: Uint8Array): MeshSecrets {
  return {
    proofKey: derive(meshKey, 'proof key', 32),
    sealKey: derive(meshKey, 'seal key', 32),
    keyId: toHex(derive(meshKey, 'key id', 8))
  }
}

/**
 * The gossipsub topic of `mesh` under a key: outsiders who know the mesh's name but not its key
 * cannot find it, and meshes of one key do not share a topic.
 */
export function privateTopic (meshKey: Uint8Array, mesh: string): string {
  return `roaring-mesh/${toHex(derive(meshKey, `topic ${mesh}`, 16))}/ops/3`
}

/** The mDNS service name of `mesh` under a key, so that the LAN does not learn which meshes run on it. */
export function privateServiceTag (meshKey: Uint8Array, mesh: string): string {
  return `_rm-${toHex(derive(meshKey, `mdns ${mesh}`, 8))}._udp.local`
}

export function toHex (bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function toBase64url (bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function fromBase64url (text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}
