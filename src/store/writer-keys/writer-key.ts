import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidArgumentError } from '../errors.ts'
import { replicaIdFromBytes } from '../replica-id.ts'
import { ed25519, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from './ed25519.ts'
import type { ReplicaId, WriterCard } from '../types.ts'

export const NONCE_BYTES = 16
/** A writer card: public key then nonce. */
export const CARD_BYTES = PUBLIC_KEY_BYTES + NONCE_BYTES
const REPLICA_DOMAIN = new TextEncoder().encode('roaring-mesh replica v3')

// Cards arrive with every message; the few writers of a mesh are derived once.
const derived = new Map<string, ReplicaId>()

/** The replica id a card stands for: `SHA-256("roaring-mesh replica v3" ‖ public key ‖ nonce)[0..16]`. */
export function replicaIdOfCard (card: WriterCard): ReplicaId {
  const id = String.fromCharCode(...card.publicKey, ...card.nonce)
  let replica = derived.get(id)
  if (replica == null) {
    const hash = sha256.create().update(REPLICA_DOMAIN).update(card.publicKey).update(card.nonce).digest()
    replica = replicaIdFromBytes(hash)
    if (derived.size >= 4096) derived.clear()
    derived.set(id, replica)
  }
  return replica
}

/**
 * A writer's identity for one store: an Ed25519 key pair and a per-store nonce. The store's
 * replica id is derived from both, so nobody can write under it without the secret key, and one
 * device key may own several stores (a nonce each). Keep {@link toBytes} secret: whoever holds it
 * writes as this replica.
 *
 * @example
 * ```ts
 * const writer = await generateWriterKey()
 * const store = new MemStore('laptop', { writer })
 * ```
 */
export class WriterKey implements WriterCard {
  readonly secretKey: Uint8Array
  readonly publicKey: Uint8Array
  readonly nonce: Uint8Array
  readonly replicaId: ReplicaId

  constructor (secretKey: Uint8Array, publicKey: Uint8Array, nonce: Uint8Array) {
    if (secretKey.byteLength !== SECRET_KEY_BYTES || publicKey.byteLength !== PUBLIC_KEY_BYTES || nonce.byteLength !== NONCE_BYTES) {
      throw new InvalidArgumentError(`a writer key is a ${SECRET_KEY_BYTES}-byte secret, a ${PUBLIC_KEY_BYTES}-byte public key and a ${NONCE_BYTES}-byte nonce`)
    }
    this.secretKey = secretKey.slice()
    this.publicKey = publicKey.slice()
    this.nonce = nonce.slice()
    this.replicaId = replicaIdOfCard(this)
  }

  /** The same key under a fresh nonce: another store owned by the same device key. */
  forAnotherStore (): WriterKey {
    return new WriterKey(this.secretKey, this.publicKey, crypto.getRandomValues(new Uint8Array(NONCE_BYTES)))
  }

  /** Secret, public key and nonce (80 bytes), for a persistent store to keep. */
  toBytes (): Uint8Array {
    const out = new Uint8Array(SECRET_KEY_BYTES + CARD_BYTES)
    out.set(this.secretKey)
    out.set(this.publicKey, SECRET_KEY_BYTES)
    out.set(this.nonce, SECRET_KEY_BYTES + PUBLIC_KEY_BYTES)
    return out
  }

  /** A key saved with {@link toBytes}; throws {@link InvalidArgumentError} if the public key is not the secret's. */
  static async fromBytes (bytes: Uint8Array): Promise<WriterKey> {
    if (bytes.byteLength !== SECRET_KEY_BYTES + CARD_BYTES) throw new InvalidArgumentError(`a saved writer key is ${SECRET_KEY_BYTES + CARD_BYTES} bytes, got ${bytes.byteLength}`)
    const secretKey = bytes.subarray(0, SECRET_KEY_BYTES)
    const publicKey = bytes.subarray(SECRET_KEY_BYTES, SECRET_KEY_BYTES + PUBLIC_KEY_BYTES)
    const actual = ed25519().publicKeyOf(secretKey)
    if (!actual.every((byte, i) => byte === publicKey[i])) throw new InvalidArgumentError('a saved writer key whose public key is not its secret\'s')
    return new WriterKey(secretKey, publicKey, bytes.subarray(SECRET_KEY_BYTES + PUBLIC_KEY_BYTES))
  }

  /** The key of a known 32-byte secret (an Ed25519 seed) and nonce. */
  static fromSecretSync (secretKey: Uint8Array, nonce: Uint8Array): WriterKey {
    return new WriterKey(secretKey, ed25519().publicKeyOf(secretKey), nonce)
  }

  /** A fresh key with a fresh nonce, now (node:crypto on Node.js, @noble/curves in browsers). */
  static generateSync (): WriterKey {
    const pair = ed25519().generate()
    return new WriterKey(pair.secretKey, pair.publicKey, crypto.getRandomValues(new Uint8Array(NONCE_BYTES)))
  }
}

/** A fresh writer key with a fresh nonce (the same as {@link WriterKey.generateSync}, kept for code that awaits it). */
export async function generateWriterKey (): Promise<WriterKey> {
  return WriterKey.generateSync()
}
