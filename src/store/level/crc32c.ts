// CRC-32C (Castagnoli), the checksum LevelDB itself uses, in plain JS so that the browser build
// needs nothing from Node.js. Slicing by 8: about eight times faster than a byte at a time, which
// matters because an open checks every record of the store.

const POLY = 0x82f63b78
const TABLES: Uint32Array[] = []
{
  const first = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ POLY : c >>> 1
    first[n] = c
  }
  TABLES.push(first)
  for (let t = 1; t < 8; t++) {
    const table = new Uint32Array(256)
    const prev = TABLES[t - 1]
    for (let n = 0; n < 256; n++) table[n] = (prev[n] >>> 8) ^ first[prev[n] & 0xff]
    TABLES.push(table)
  }
}
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES

/** Extends `crc` (0 to start) over `bytes`; chain calls to checksum several buffers as one. */
export function crc32c (bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0
  let i = 0
  const end8 = bytes.byteLength - 8
  while (i <= end8) {
    const lo = (c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24))) >>> 0
    c = T7[lo & 0xff] ^ T6[(lo >>> 8) & 0xff] ^ T5[(lo >>> 16) & 0xff] ^ T4[lo >>> 24] ^
      T3[bytes[i + 4]] ^ T2[bytes[i + 5]] ^ T1[bytes[i + 6]] ^ T0[bytes[i + 7]]
    i += 8
  }
  for (; i < bytes.byteLength; i++) c = T0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return ~c >>> 0
}
