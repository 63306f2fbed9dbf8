/**
 * A 30-bit hash of `length` bytes at `offset` (murmur3's mixing, four bytes at a time): 30 bits
 * so that V8 keeps it as a small integer, and a table can mark free slots with -1.
 */
export function hashKey (bytes: Uint8Array, offset: number, length: number): number {
  let h = 0x9747b28c ^ length
  const end = offset + (length & ~3)
  let i = offset
  for (; i < end; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    h ^= Math.imul(k, 0x1b873593)
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  for (; i < offset + length; i++) h = Math.imul(h ^ bytes[i], 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h & 0x3fffffff
}
