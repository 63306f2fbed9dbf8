/**
 * Topic messages of a private mesh, sealed with XChaCha20-Poly1305 (@noble/ciphers, audited)
 * under a key derived from the mesh key. A sealed message is
 *
 *   sealed = version:u8 (= 0x80) nonce:24 bytes ciphertext-and-tag
 *
 * with a fresh random nonce per message (24 bytes: random nonces never collide in practice) and
 * the topic name as associated data, so a message sealed for one mesh's topic does not open on
 * another's. Whoever lacks the key can neither read a message nor make one that opens.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { InvalidMessageError } from '../../store/errors.ts'

/** Distinct from every plain wire version (which are small), so a plain message is never mistaken for a sealed one. */
export const SEALED_VERSION = 0x80
const NONCE_BYTES = 24
const TAG_BYTES = 16
/** What sealing adds to each message, in bytes. */
export const SEAL_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES

const encoder = new TextEncoder()

export function sealTopicMessage (sealKey: Uint8Array, topic: string, plain: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES)
  const sealed = xchacha20poly1305(sealKey, nonce, encoder.encode(topic)).encrypt(plain)
  const out = new Uint8Array(1 + NONCE_BYTES + sealed.byteLength)
  out[0] = SEALED_VERSION
  out.set(nonce, 1)
  out.set(sealed, 1 + NONCE_BYTES)
  return out
}

/** The plain message; throws {@link InvalidMessageError} when it was not sealed under this key for this topic. */
export function openTopicMessage (sealKey: Uint8Array, topic: string, sealed: Uint8Array): Uint8Array {
  if (sealed.byteLength < SEAL_OVERHEAD || sealed[0] !== SEALED_VERSION) throw new InvalidMessageError('not a sealed topic message')
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES)
  try {
    return xchacha20poly1305(sealKey, nonce, encoder.encode(topic)).decrypt(sealed.subarray(1 + NONCE_BYTES))
  } catch {
    throw new InvalidMessageError('a sealed topic message did not open under the mesh key')
  }
}
