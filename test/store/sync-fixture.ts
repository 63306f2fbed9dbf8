import { randomBytes } from 'node:crypto'
import { ClockSet, MemStore, decodeDiff, decodeDiffRequest, decodeOps, encodeDiff, encodeDiffRequest, encodeOps, type Diff, type Op, type ReplicaStore } from '../../src/index.ts'

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

/**
 * What a lying member sends a puller: everything `liar` holds, but of each writer's live entries
 * those `hide` picks left out and called dead, and (`beyond`) that many seqs above the writer's
 * last called dead too, as if it had written them. No evidence goes with any death.
 */
export function falseDeaths (liar: ReplicaStore<any, any>, hide: (seq: number) => boolean, beyond = 0): Diff {
  const honest = liar.buildDiff(new MemStore('nobody').requestDiff())
  return {
    needsFullRequest: false,
    groups: honest.groups.map((group) => {
      const hidden = group.entries.filter((entry) => hide(entry.seq)).map((entry) => entry.seq)
      const deaths = group.deaths?.clone() ?? new ClockSet()
      deaths.addMany(hidden)
      const top = Math.max(group.entries.at(-1)?.seq ?? 0, deaths.max() ?? 0)
      if (beyond > 0) deaths.addRange(top + 1, top + 1 + beyond)
      return { ...group, entries: group.entries.filter((entry) => !hidden.includes(entry.seq)), deaths }
    })
  }
}
