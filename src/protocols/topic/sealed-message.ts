/**
 * Topic messages of a private mesh, sealed with AES-256-GCM under a key derived from the mesh
 * key. Every peer seals under a session key of its own, derived anew each time it starts:
 *
 *   sealed     = version:u8 (= 0x81) session:16 nonce:12 ciphertext tag:16
 *   sessionKey = HKDF-SHA256(sealKey, salt = session, info = "roaring-mesh seal session v1", 32)
 *
 * with `session` and `nonce` fresh random bytes and the topic name as associated data, so a
 * message sealed for one mesh's topic does not open on another's. Random 96-bit nonces are safe
 * for 2^32 messages per key; a session key per peer and start keeps every key far below that,
 * however long a mesh key lives. Whoever lacks the mesh key can neither read a message nor make
 * one that opens.
 */
import { randomBytes } from '@noble/ciphers/utils.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidMessageError } from '../../store/errors.ts'
import { aead } from './aead/aead.ts'

/** Distinct from every plain wire version (which are small), so a plain message is never mistaken for a sealed one. */
export const SEALED_VERSION = 0x81
const SESSION_BYTES = 16
const NONCE_BYTES = 12
const TAG_BYTES = 16
const HEADER_BYTES = 1 + SESSION_BYTES + NONCE_BYTES
/** What sealing adds to each message, in bytes. */
export const SEAL_OVERHEAD = HEADER_BYTES + TAG_BYTES
/** Session keys of other peers kept derived; beyond this many the oldest is derived again when needed. */
const MAX_SESSIONS = 256

const encoder = new TextEncoder()
const SESSION_INFO = encoder.encode('roaring-mesh seal session v1')

/** Seals and opens one topic's messages under one mesh's seal key. */
export class TopicSealer {
  readonly #sealKey: Uint8Array
  readonly #aad: Uint8Array
  readonly #session = randomBytes(SESSION_BYTES)
  readonly #sessionKey: Uint8Array
  readonly #sessions = new Map<string, Uint8Array>()

  constructor (sealKey: Uint8Array, topic: string) {
    this.#sealKey = sealKey
    this.#aad = encoder.encode(topic)
    this.#sessionKey = this.#derive(this.#session)
  }

  #derive (session: Uint8Array): Uint8Array {
    return hkdf(sha256, this.#sealKey, session, SESSION_INFO, 32)
  }

  seal (plain: Uint8Array): Uint8Array {
    const nonce = randomBytes(NONCE_BYTES)
    const sealed = aead().seal(this.#sessionKey, nonce, this.#aad, plain)
    const out = new Uint8Array(HEADER_BYTES + sealed.byteLength)
    out[0] = SEALED_VERSION
    out.set(this.#session, 1)
    out.set(nonce, 1 + SESSION_BYTES)
    out.set(sealed, HEADER_BYTES)
    return out
  }

  /** The plain message; throws {@link InvalidMessageError} when it was not sealed under this mesh key for this topic. */
  open (sealed: Uint8Array): Uint8Array {
    if (sealed.byteLength < SEAL_OVERHEAD || sealed[0] !== SEALED_VERSION) throw new InvalidMessageError('not a sealed topic message')
    const session = sealed.subarray(1, 1 + SESSION_BYTES)
    const id = String.fromCharCode(...session)
    let key = this.#sessions.get(id)
    if (key == null) {
      key = this.#derive(session)
      if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!)
    } else {
      this.#sessions.delete(id)
    }
    let plain: Uint8Array
    try {
      plain = aead().open(key, sealed.subarray(1 + SESSION_BYTES, HEADER_BYTES), this.#aad, sealed.subarray(HEADER_BYTES))
    } catch {
      throw new InvalidMessageError('a sealed topic message did not open under the mesh key')
    }
    // Only sessions that opened a message are kept: garbage cannot flush the cache of real ones.
    this.#sessions.set(id, key)
    return plain
  }
}
