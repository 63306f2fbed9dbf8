// Keys that all hash alike under the key index's public hash (murmur3, src/store/key-hash.ts), as
// an attacker makes them: three random blocks, then the fourth solved for by running murmur3's
// last block step backwards (each of its steps is a bijection on 32-bit words).
import { randomBytes } from 'node:crypto'

const C1 = 0xcc9e2d51
const C2 = 0x1b873593
const N = 0xe6546b64
/** Every 16-byte key made here hashes to this before murmur3's finaliser. */
const TARGET = 0x12345678

/** The inverse of an odd number modulo 2^32 (Newton's iteration). */
function inverse (a: number): number {
  let x = a
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x))
  return x >>> 0
}
const rotr = (x: number, r: number): number => ((x >>> r) | (x << (32 - r))) >>> 0

/** murmur3's state after the first three blocks of a 16-byte key. */
function stateAfterThree (key: Uint8Array): number {
  let h = 0x9747b28c ^ 16
  for (let i = 0; i < 12; i += 4) {
    let k = key[i] | (key[i + 1] << 8) | (key[i + 2] << 16) | (key[i + 3] << 24)
    k = Math.imul(k, C1)
    k = (k << 15) | (k >>> 17)
    h ^= Math.imul(k, C2)
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + N) | 0
  }
  return h >>> 0
}

/** `count` distinct 16-byte keys with one and the same murmur3 hash. */
export function collidingKeys (count: number): Uint8Array[] {
  const wanted = rotr(Math.imul((TARGET - N) >>> 0, inverse(5)) >>> 0, 13)
  const keys: Uint8Array[] = []
  for (let n = 0; n < count; n++) {
    const key = new Uint8Array(16)
    key.set(randomBytes(12))
    const mixed = (wanted ^ stateAfterThree(key)) >>> 0
    const block = Math.imul(rotr(Math.imul(mixed, inverse(C2)) >>> 0, 15), inverse(C1)) >>> 0
    key.set([block & 0xff, (block >>> 8) & 0xff, (block >>> 16) & 0xff, block >>> 24], 12)
    keys.push(key)
  }
  return keys
}
