/**
 * Ed25519 as the store needs it: a backend interface with one implementation per platform,
 * registered by the package's entry points as the bitmap backend is (node:crypto on Node.js,
 * WebCrypto in browsers, keys made with @noble/curves). Keys are always made synchronously:
 * `new MemStore()` needs one at once. Signing and verifying answer synchronously where they can:
 * integrating ops and diffs is synchronous, and on Node.js verification is too. A browser's
 * WebCrypto answers with promises: there the store verifies ahead of integration (`verifyOps`,
 * `verifyDiff`).
 */
import { InvalidArgumentError } from '../errors.ts'

export interface Ed25519KeyPair {
  /** The 32-byte seed (RFC 8032's secret key). */
  readonly secretKey: Uint8Array
  readonly publicKey: Uint8Array
}

export interface Ed25519Backend {
  readonly name: string
  /** Whether sign and verify answer synchronously. */
  readonly synchronous: boolean
  /** A fresh key pair, made at once (a store needs its key as it is made). */
  generate(): Ed25519KeyPair
  /** The public key of a seed. */
  publicKeyOf(secretKey: Uint8Array): Uint8Array
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array | Promise<Uint8Array>
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean | Promise<boolean>
}

let current: Ed25519Backend | undefined

/** Registers the platform's Ed25519 (done by `roaring-mesh`'s entry points). */
export function useEd25519Backend (backend: Ed25519Backend): void {
  current = backend
}

export function ed25519 (): Ed25519Backend {
  if (current == null) throw new InvalidArgumentError('no Ed25519 backend registered: import roaring-mesh from its entry point')
  return current
}

export const PUBLIC_KEY_BYTES = 32
export const SECRET_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64

/** Which Ed25519 implementation signs and verifies: 'node:crypto' or 'WebCrypto'. */
export function ed25519BackendName (): string {
  return ed25519().name
}
