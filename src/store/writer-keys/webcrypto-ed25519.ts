import { ed25519 as noble } from '@noble/curves/ed25519.js'
import type { Ed25519Backend, Ed25519KeyPair } from './ed25519.ts'

// WebCrypto takes an Ed25519 secret only as PKCS #8: this prefix wraps a raw 32-byte seed (RFC 8410).
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
const ALGORITHM = { name: 'Ed25519' }
const MAX_CACHED = 4096
const publicKeys = new Map<string, Promise<CryptoKey>>()
const secretKeys = new Map<string, Promise<CryptoKey>>()

function cached (cache: Map<string, Promise<CryptoKey>>, raw: Uint8Array, make: () => Promise<CryptoKey>): Promise<CryptoKey> {
  const id = String.fromCharCode(...raw)
  let key = cache.get(id)
  if (key == null) {
    if (cache.size >= MAX_CACHED) cache.clear()
    key = make()
    cache.set(id, key)
  }
  return key
}

function pkcs8 (seed: Uint8Array): Uint8Array<ArrayBuffer> {
  const der = new Uint8Array(PKCS8_PREFIX.byteLength + seed.byteLength)
  der.set(PKCS8_PREFIX)
  der.set(seed, PKCS8_PREFIX.byteLength)
  return der
}

// Whether this browser's WebCrypto has Ed25519 (Chromium 137+, Firefox 129+, Safari 17+): asked
// once, on the first signature, so that nothing waits as the package loads.
let webCryptoHasEd25519: Promise<boolean> | undefined
function hasEd25519 (): Promise<boolean> {
  webCryptoHasEd25519 ??= crypto.subtle.importKey('pkcs8', pkcs8(new Uint8Array(32)), ALGORITHM, false, ['sign']).then(() => true, () => false)
  return webCryptoHasEd25519
}

async function webSign (seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const key = await cached(secretKeys, seed, async () => await crypto.subtle.importKey('pkcs8', pkcs8(seed), ALGORITHM, false, ['sign']))
  return new Uint8Array(await crypto.subtle.sign(ALGORITHM, key, message as Uint8Array<ArrayBuffer>))
}

async function webVerify (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const key = await cached(publicKeys, publicKey, async () => await crypto.subtle.importKey('raw', publicKey as Uint8Array<ArrayBuffer>, ALGORITHM, false, ['verify']))
  return await crypto.subtle.verify(ALGORITHM, key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>)
}

/**
 * Ed25519 in browsers: keys made at once from a random seed with @noble/curves (WebCrypto makes
 * keys only asynchronously, and `new MemStore()` needs one as it is made); signatures and
 * verifications by WebCrypto, 2–4 times faster, where the browser has Ed25519 there, else by
 * @noble/curves. Every answer is a promise.
 */
export const webCryptoEd25519: Ed25519Backend = {
  synchronous: false,
  name: 'WebCrypto',
  generate: (): Ed25519KeyPair => {
    const secretKey = crypto.getRandomValues(new Uint8Array(32))
    return { secretKey, publicKey: noble.getPublicKey(secretKey) }
  },
  publicKeyOf: (seed) => noble.getPublicKey(seed),
  sign: async (seed, message) => await hasEd25519() ? await webSign(seed, message) : noble.sign(message, seed),
  verify: async (publicKey, message, signature) => {
    if (await hasEd25519()) return await webVerify(publicKey, message, signature)
    try {
      // Strict RFC 8032, as WebCrypto and node:crypto verify: a signature every peer judges alike.
      return noble.verify(signature, message, publicKey, { zip215: false })
    } catch {
      return false
    }
  }
}
