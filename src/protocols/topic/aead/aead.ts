/**
 * AES-256-GCM for sealed topic messages, from whichever audited implementation the platform has:
 * node:crypto's (OpenSSL, native) on Node.js, registered by the package's Node entry point, and
 * @noble/ciphers' (audited, pure JS) elsewhere. Both read and write the same bytes.
 */
import { gcm } from '@noble/ciphers/aes.js'

export interface Aead {
  readonly name: string
  /** The ciphertext followed by its 16-byte tag. */
  seal: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array) => Uint8Array
  /** The plaintext; throws when the tag does not check out. */
  open: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array) => Uint8Array
}

export const nobleAesGcm: Aead = {
  name: '@noble/ciphers aes-256-gcm',
  seal: (key, nonce, aad, plain) => gcm(key, nonce, aad).encrypt(plain),
  open: (key, nonce, aad, sealed) => gcm(key, nonce, aad).decrypt(sealed)
}

let current: Aead = nobleAesGcm

export function useAead (aead: Aead): void {
  current = aead
}

export function aead (): Aead {
  return current
}
