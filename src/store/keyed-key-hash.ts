import { blake3 } from '@noble/hashes/blake3.js'

/** A 30-bit hash of `length` bytes at `start` in `bytes`, as the key index files keys. */
export type KeyHash = (bytes: Uint8Array, start: number, length: number) => number

/**
 * A key hash under a secret drawn now: BLAKE3 in its keyed mode (@noble/hashes), cut to 30 bits.
 * Nobody who does not hold the secret can choose keys that collide under it, where murmur3's
 * mixing is public and inverts block by block (any number of 16-byte keys with one hash, in
 * microseconds). A key costs ~4–5 µs under it (keyed BLAKE2s was ~5–6 µs) against murmur's
 * ~20 ns, so the key index turns to it only once keys were seen to collide (see KeyIndex).
 */
export function keyedKeyHash (): KeyHash {
  const secret = crypto.getRandomValues(new Uint8Array(32))
  const keyed = blake3.create({ key: secret, dkLen: 4 })
  return (bytes, start, length) => {
    const out = keyed.clone().update(bytes.subarray(start, start + length)).digest()
    return (out[0] | (out[1] << 8) | (out[2] << 16) | (out[3] << 24)) & 0x3fffffff
  }
}
