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

async function secretKey (seed: Uint8Array): Promise<CryptoKey> {
  return await cached(secretKeys, seed, async () => await crypto.subtle.importKey('pkcs8', pkcs8(seed), ALGORITHM, true, ['sign']))
}

async function exportPublic (key: CryptoKey): Promise<Uint8Array> {
  // A private key's JWK carries its public half (x): the one way WebCrypto derives it.
  const jwk = await crypto.subtle.exportKey('jwk', key)
  const b64 = (jwk.x ?? '').replace(/-/g, '+').replace(/_/g, '/')
  return Uint8Array.from(atob(b64 + '='.repeat((4 - b64.length % 4) % 4)), (c) => c.charCodeAt(0))
}

async function generateAsync (): Promise<Ed25519KeyPair> {
  const pair = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as CryptoKeyPair
  const der = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey))
  return { secretKey: der.slice(PKCS8_PREFIX.byteLength), publicKey: new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)) }
}

// WebCrypto makes keys only asynchronously, but `new MemStore()` needs one at once: a few are
// made ahead (the browser entry point waits for them as it loads) and refilled as they are taken.
const POOL = 16
const pool: Ed25519KeyPair[] = []
let filling: Promise<void> | undefined

/** Makes keys until the pool is full; the browser entry point awaits this once as it loads. */
export async function fillKeyPool (): Promise<void> {
  filling ??= (async () => {
    try {
      while (pool.length < POOL) pool.push(await generateAsync())
    } finally {
      filling = undefined
    }
  })()
  await filling
}

/** Ed25519 from WebCrypto (browsers): every answer is a promise, but for keys made ahead. */
export const webCryptoEd25519: Ed25519Backend = {
  synchronous: false,
  name: 'WebCrypto',
  generate: () => {
    const pair = pool.pop()
    void fillKeyPool().catch(() => {})
    return pair
  },
  generateAsync,
  publicKeyOf: () => undefined,
  publicKeyOfAsync: async (seed) => await exportPublic(await secretKey(seed)),
  sign: async (seed, message) => new Uint8Array(await crypto.subtle.sign(ALGORITHM, await secretKey(seed), message as Uint8Array<ArrayBuffer>)),
  verify: async (publicKey, message, signature) => {
    const key = await cached(publicKeys, publicKey, async () => await crypto.subtle.importKey('raw', publicKey as Uint8Array<ArrayBuffer>, ALGORITHM, true, ['verify']))
    return await crypto.subtle.verify(ALGORITHM, key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>)
  }
}
