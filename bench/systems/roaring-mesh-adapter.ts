// roaring-mesh, the reference system: MemStore with raw byte keys and values.
// A sync round is one diff request and one diff; op sync ships each
// transaction's OpBatch.
// The same adapter serves both bitmap backends: roaring-mesh.ts (native, the Node.js default)
// and roaring-mesh-wasm.ts, and writer keys off: roaring-mesh-unsigned.ts (writerKeys: false).
// With writer keys on, a store signs its commits after them, off the write path (as soon as
// something listens for its ops, else when its seqs first leave it): `settle` completes that
// before a sync workload's clock starts, as a real peer's state was signed when it was written.
import { readFileSync } from 'node:fs'
import type * as Api from '../../src/index.ts'
import type { BenchSystem } from './types.ts'

type MemStore = Api.MemStore

export const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

export function roaringMeshSystem (name: string, api: Pick<typeof Api, 'MemStore' | 'decodeDiff' | 'decodeDiffRequest' | 'decodeOps' | 'encodeDiff' | 'encodeDiffRequest' | 'encodeOps'>, options: { writerKeys?: boolean } = {}): BenchSystem<MemStore, Uint8Array, Uint8Array> {
  const { MemStore, decodeDiff, decodeDiffRequest, decodeOps, encodeDiff, encodeDiffRequest, encodeOps } = api
  return {
  name,
  version,
  // Its natural form: the bytes themselves.
  key: (bytes) => bytes,
  value: (bytes) => bytes,
  create: () => new MemStore(undefined, options),
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
  // A diff built signs every commit not signed yet (as a peer does before it serves one); asked
  // with the store's own state hash, it is answered with nothing.
  settle(store) {
    store.buildDiff({ stateHash: store.stateHash() })
  },
  get: (store, key) => store.get(key),
  size: (store) => store.size,
  sync: {
    // As the mesh peer's periodic pull (DiffSync.pull): a 19-byte summary first, the full request
    // only if the states differ, and a last request naming suspects if the answer withheld deaths,
    // or called live entries dead without evidence.
    // Each answer's signatures are verified ahead, as the peer does (on Node.js, a big diff's on
    // worker threads while this one hashes its entries), then it is integrated.
    async pull(to, from) {
      let request = encodeDiffRequest(to.requestDiff({ summary: true, narrowDeaths: true }))
      let requestBytes = request.length
      let bytes = 0
      let roundTrips = 0
      let narrowed = false
      let doubtsAsked = false
      while (true) {
        const decodedRequest = decodeDiffRequest(request)
        const answer = encodeDiff(from.buildDiff(decodedRequest))
        const diff = decodeDiff(answer)
        await to.verifyDiff(diff)
        to.integrateDiff(diff)
        bytes += request.length + answer.length
        roundTrips++
        if (decodedRequest.replicas == null && diff.needsFullRequest) request = encodeDiffRequest(to.requestDiff({ hash: false, narrowDeaths: true }))
        else if (diff.deathsWithheld === true && !narrowed) {
          narrowed = true
          request = encodeDiffRequest(to.requestDiff({ hash: false }))
        } else if (!doubtsAsked && to.deathsInDoubt()) {
          // Live entries called dead without evidence: one more request names them.
          doubtsAsked = true
          request = encodeDiffRequest(to.requestDiff({ hash: false }))
        } else break
        if (roundTrips === 1) requestBytes = request.length
      }
      return { requestBytes, bytes, roundTrips }
    },
    // No snapshot format of its own: its state on the wire is the diff an empty replica would get.
    snapshotBytes: (store) => encodeDiff(store.buildDiff(new MemStore(undefined, options).requestDiff())).length,
  },
}
}
