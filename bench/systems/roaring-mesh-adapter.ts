// roaring-mesh, the reference system: MemStore with raw byte keys and values.
// A sync round is one diff request and one diff; op sync ships each
// transaction's OpBatch.
// The same adapter serves both bitmap backends: roaring-mesh.ts (native, the Node.js default)
// and roaring-mesh-wasm.ts.
import { readFileSync } from 'node:fs'
import type * as Api from '../../src/index.ts'
import type { BenchSystem } from './types.ts'

type MemStore = Api.MemStore

export const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

export function roaringMeshSystem (name: string, api: Pick<typeof Api, 'MemStore' | 'decodeDiff' | 'decodeDiffRequest' | 'decodeOps' | 'encodeDiff' | 'encodeDiffRequest' | 'encodeOps'>): BenchSystem<MemStore, Uint8Array, Uint8Array> {
  const { MemStore, decodeDiff, decodeDiffRequest, decodeOps, encodeDiff, encodeDiffRequest, encodeOps } = api
  return {
  name,
  version,
  // Its natural form: the bytes themselves.
  key: (bytes) => bytes,
  value: (bytes) => bytes,
  create: () => new MemStore(),
  write(store, keys, values) {
    store.begin()
    for (let i = 0; i < keys.length; i++) {
      const value = values[i]
      if (value === null) store.delete(keys[i])
      else store.set(keys[i], value)
    }
    store.commit()
  },
  setAsOp(store, key, value) {
    store.begin()
    store.set(key, value)
    return encodeOps(store.commitWithOps())
  },
  applyOp(store, op) {
    store.integrateOps(decodeOps(op))
  },
  get: (store, key) => store.get(key),
  size: (store) => store.size,
  sync: {
    // As the mesh peer's periodic pull: a 19-byte summary first, the full request only if the states differ.
    pull(to, from) {
      const summary = encodeDiffRequest(to.requestDiff({ summary: true }))
      const answer = encodeDiff(from.buildDiff(decodeDiffRequest(summary)))
      const first = decodeDiff(answer)
      if (!first.needsFullRequest) {
        to.integrateDiff(first)
        return { requestBytes: summary.length, bytes: summary.length + answer.length, roundTrips: 1 }
      }
      const request = encodeDiffRequest(to.requestDiff({ hash: false }))
      const diff = encodeDiff(from.buildDiff(decodeDiffRequest(request)))
      to.integrateDiff(decodeDiff(diff))
      return { requestBytes: request.length, bytes: summary.length + answer.length + request.length + diff.length, roundTrips: 2 }
    },
    // No snapshot format of its own: its state on the wire is the diff an empty replica would get.
    snapshotBytes: (store) => encodeDiff(store.buildDiff(new MemStore().requestDiff())).length,
  },
}
}
