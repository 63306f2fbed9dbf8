import { randomBytes } from 'node:crypto'
import { MemStore, decodeDiff, decodeDiffRequest, decodeOps, encodeDiff, encodeDiffRequest, encodeOps, type Op, type ReplicaStore } from '../../src/index.ts'

export function bytes (length: number): Uint8Array {
  return new Uint8Array(randomBytes(length))
}

/** One pull through the wire formats: `to` asks, `from` answers. Returns the bytes both ways. */
export function pull<K, V> (to: ReplicaStore<K, V>, from: ReplicaStore<K, V>): { request: number, diff: number } {
  const request = encodeDiffRequest(to.requestDiff())
  const diff = encodeDiff(from.buildDiff(decodeDiffRequest(request)))
  to.integrateDiff(decodeDiff(diff))
  // As DiffSync.pull: live entries called dead without evidence are named in one more request.
  if (!to.deathsInDoubt()) return { request: request.byteLength, diff: diff.byteLength }
  const again = encodeDiffRequest(to.requestDiff())
  const more = encodeDiff(from.buildDiff(decodeDiffRequest(again)))
  to.integrateDiff(decodeDiff(more))
  return { request: request.byteLength + again.byteLength, diff: diff.byteLength + more.byteLength }
}

/** Ops through the wire format. */
export function deliver<K, V> (to: ReplicaStore<K, V>, ops: Op[]): void {
  to.integrateOps(decodeOps(encodeOps(ops)))
}

export function hex (value: Uint8Array): string {
  return Buffer.from(value).toString('hex')
}

/** Entries as comparable hex pairs. */
export function dump (store: ReplicaStore): Array<[string, string]> {
  return store.entries().map(([k, v]) => [hex(k), hex(v)])
}
