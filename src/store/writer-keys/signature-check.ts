import { ed25519 } from './ed25519.ts'
import { SIGNATURE_BYTES } from './ed25519.ts'
import { InvalidSignatureError, UnverifiedError } from './errors.ts'
import type { WriterCard } from '../types.ts'

// Signatures that verified, by digest and signature: a proof travels many times (every pull that
// carries its entries, every forwarded message) and is checked once. Bounded; forgetting one only
// costs checking it again.
const MAX_VERIFIED = 65_536
const verified = new Set<string>()

function keyOf (digest: Uint8Array, signature: Uint8Array): string {
  return String.fromCharCode(...digest, ...signature)
}

function remember (key: string): void {
  if (verified.size >= MAX_VERIFIED) verified.clear()
  verified.add(key)
}

/** Whether `signature` over `digest` verified already (the digest names the writer, whose card a check derived first). */
export function isVerified (digest: Uint8Array, signature: Uint8Array): boolean {
  return verified.has(keyOf(digest, signature))
}

/** Notes that `signature` over `digest` verified elsewhere (another thread), under the key of the card the digest's writer derives from. */
export function noteVerified (digest: Uint8Array, signature: Uint8Array): void {
  remember(keyOf(digest, signature))
}

/**
 * Checks `signature` over `digest` under the card's key, now. Throws {@link InvalidSignatureError}
 * if it is not the writer's, and {@link UnverifiedError} when the platform verifies only
 * asynchronously and nobody verified it ahead (see {@link verifySignatureAhead}).
 */
export function checkSignature (card: WriterCard, digest: Uint8Array, signature: Uint8Array, what: string): void {
  if (signature.byteLength !== SIGNATURE_BYTES) throw new InvalidSignatureError(`${what}: a signature is ${SIGNATURE_BYTES} bytes`)
  const key = keyOf(digest, signature)
  if (verified.has(key)) return
  const ok = ed25519().verify(card.publicKey, digest, signature)
  if (typeof ok !== 'boolean') {
    ok.catch(() => {})
    throw new UnverifiedError(`${what}: this platform verifies signatures asynchronously; await store.verifyOps() / verifyDiff() before integrating`)
  }
  if (!ok) throw new InvalidSignatureError(`${what}: the signature is not the writer's`)
  remember(key)
}

/** Verifies ahead of a synchronous integration, and says whether the signature is the writer's. */
export async function verifySignatureAhead (card: WriterCard, digest: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (signature.byteLength !== SIGNATURE_BYTES) return false
  const key = keyOf(digest, signature)
  if (verified.has(key)) return true
  const ok = await ed25519().verify(card.publicKey, digest, signature)
  if (ok) remember(key)
  return ok
}
