// The floor for a store that keeps its own copy of what it is given, as roaring-mesh does (so a
// caller may reuse its buffers): the plain Map of map.ts, storing a copy of each value.
import { system as map } from './map.ts'
import type { BenchSystem } from './types.ts'

export const name = 'map-copy'
export const version = map.version

export const system: BenchSystem<Map<string, Uint8Array>, string, Uint8Array> = {
  ...map,
  name,
  write(replica, keys, values) {
    map.write(replica, keys, values.map((value) => value?.slice() ?? null))
  },
  setAsOp(replica, key, value) {
    return map.setAsOp(replica, key, value.slice())
  },
  applyOp(replica, op) {
    map.applyOp(replica, op.slice())
  },
}
