// The floor: a plain Map doing the same local work with no replication
// metadata at all. Keys are one-byte strings (one char per byte, the
// cheapest lossless bytes -> string), made before the clock starts like every
// system's keys; an op is just key and value bytes concatenated, and applying
// one makes its key's string, as a receiver must.
import { KEY_BYTES } from '../workload.ts'
import type { BenchSystem } from './types.ts'

export const name = 'map'
export const version = `node ${process.versions.node}`

/** Spelled out for 16-byte keys: about twice as fast as Buffer#toString('latin1'), which allocates a Buffer per key. */
function keyString(k: Uint8Array): string {
  if (k.length !== KEY_BYTES) throw new Error(`the floor assumes ${KEY_BYTES}-byte keys`)
  return String.fromCharCode(k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8], k[9], k[10], k[11], k[12], k[13], k[14], k[15])
}

export const system: BenchSystem<Map<string, Uint8Array>, string, Uint8Array> = {
  name,
  version,
  key: keyString,
  value: (bytes) => bytes,
  create: () => new Map(),
  write(map, keys, values) {
    for (let i = 0; i < keys.length; i++) {
      const value = values[i]
      if (value === null) map.delete(keys[i])
      else map.set(keys[i], value)
    }
  },
  setAsOp(map, key, value) {
    map.set(key, value)
    const op = new Uint8Array(KEY_BYTES + value.length)
    for (let i = 0; i < KEY_BYTES; i++) op[i] = key.charCodeAt(i)
    op.set(value, KEY_BYTES)
    return op
  },
  applyOp(map, op) {
    map.set(keyString(op.subarray(0, KEY_BYTES)), op.subarray(KEY_BYTES))
  },
  get: (map, key) => map.get(key),
  size: (map) => map.size,
}
