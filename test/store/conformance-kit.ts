import {
  decodeDiff, decodeDiffRequest, decodeOps, encodeDiff, encodeDiffRequest, encodeOps, stringCodec,
  type MemStoreOptions, type Op, type ReplicaStore
} from '../../src/index.ts'

/** Makes the stores a suite run tests. */
export interface StoreFactory {
  make<K = Uint8Array, V = Uint8Array>(name?: string, options?: Omit<MemStoreOptions<K, V>, 'replicaId'>): Promise<ReplicaStore<K, V>>
  /** Resolves once everything written to `store` is durable (its 'ops' events have fired). */
  settle(store: ReplicaStore<any, any>): Promise<void>
}

/** What the conformance suites work with: the factory, stores of strings, and delivery through the wire formats. */
export interface ConformanceKit extends StoreFactory {
  text: (name?: string) => Promise<ReplicaStore<string, string>>
  /** Ops through the wire format. */
  deliver: <K, V>(to: ReplicaStore<K, V>, ops: Op[]) => Promise<void>
  /** One pull through the wire formats: `to` asks, `from` answers from what it holds durably. */
  pull: <K, V>(to: ReplicaStore<K, V>, from: ReplicaStore<K, V>) => Promise<{ request: number, diff: number }>
}

export function conformanceKit (factory: StoreFactory): ConformanceKit {
  const { make, settle } = factory
  return {
    make,
    settle,
    text: async (name) => await make<string, string>(name, { keys: stringCodec, values: stringCodec }),
    async deliver (to, ops) {
      await to.integrateOps(decodeOps(encodeOps(ops)))
    },
    async pull (to, from) {
      await settle(from)
      const request = encodeDiffRequest(to.requestDiff())
      const diff = encodeDiff(from.buildDiff(decodeDiffRequest(request)))
      await to.integrateDiff(decodeDiff(diff))
      return { request: request.byteLength, diff: diff.byteLength }
    }
  }
}
