import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MemStore, WriterKey, decodeDiff, decodeDiffRequest, encodeDiff, encodeDiffRequest, stringCodec, type EquivocationEvent, type Op, type SetOp } from '../../src/index.ts'
import { leafOfParts } from '../../src/store/writer-keys/batch-digest.ts'
import { deliver } from './sync-fixture.ts'

// A writer whose key two data directories share equivocates: both copies write each of their
// seqs, with different values. Their ops reach the replicas over a lossy network (dropped,
// duplicated, reordered), and the replicas write, delete and pull among themselves. However the
// versions spread, every replica must end with the same entries and state hash: a dot signed
// twice lives nowhere, a removal kills only the version it names, and every replica reports
// each such dot that nobody removed, once.

type Action =
  | { kind: 'write', replica: number, key: number, value: number }
  | { kind: 'delete', replica: number, key: number }
  | { kind: 'equivocate', key: number }
  | { kind: 'deliver', to: number, pick: number, duplicate: boolean }
  | { kind: 'drop', to: number, pick: number }
  | { kind: 'sync', from: number, to: number, frameBytes: number }

const KEYS = 4
const REPLICAS = 3

function actions (): fc.Arbitrary<Action[]> {
  const replica = fc.integer({ min: 0, max: REPLICAS - 1 })
  const key = fc.integer({ min: 0, max: KEYS - 1 })
  return fc.array(fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('write' as const), replica, key, value: fc.integer({ min: 0, max: 99 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), replica, key }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('equivocate' as const), key }) },
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('deliver' as const), to: replica, pick: fc.nat(), duplicate: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), to: replica, pick: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('sync' as const), from: replica, to: replica, frameBytes: fc.constantFrom(64, 100_000) }) }
  ), { minLength: 20, maxLength: 60 })
}

type Store = MemStore<string, string>

function sync (to: Store, from: Store, frameBytes: number): void {
  const request = decodeDiffRequest(encodeDiffRequest(to.requestDiff()))
  for (const frame of [...from.buildDiffFrames(request, { maxFrameBytes: frameBytes })].map(encodeDiff)) to.integrateDiff(decodeDiff(frame))
}

const dotOf = (op: SetOp): string => `${op.dot.replica}:${op.dot.seq}`

/** A set's version: its dot and the tag a removal of it names (the first 8 bytes of its signed leaf). */
function versionOf (op: SetOp): string {
  const { salt } = op.batch!
  return `${dotOf(op)}:${Buffer.from(leafOfParts(salt, op.dot.seq, op.hlc.wall, op.hlc.counter, op.key, op.value).subarray(0, 8)).toString('hex')}`
}

/**
 * What must live: sets signed once (among the versions that reached anyone) that no removal
 * names, the last writer winning per key. A removal names one version (by its tag): a copy's
 * overwrite removes its own version of an earlier seq, not the other copy's.
 */
function expected (log: readonly Op[], equivocated: ReadonlySet<string>): Array<[string, string]> {
  const removed = new Set<string>()
  for (const op of log) for (const dot of op.removes) removed.add(`${dot.replica}:${dot.seq}:${Buffer.from(dot.tag!).toString('hex')}`)
  const best = new Map<string, SetOp>()
  for (const op of log) {
    if (op.kind !== 'set' || equivocated.has(dotOf(op)) || removed.has(versionOf(op))) continue
    const key = new TextDecoder().decode(op.key)
    const current = best.get(key)
    const wins = current == null || op.hlc.wall > current.hlc.wall ||
      (op.hlc.wall === current.hlc.wall && (op.hlc.counter > current.hlc.counter || (op.hlc.counter === current.hlc.counter && op.dot.replica > current.dot.replica)))
    if (wins) best.set(key, op)
  }
  return [...best].map(([key, op]): [string, string] => [key, new TextDecoder().decode(op.value)]).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
}

function run (script: Action[]): void {
  let tick = 1_000_000
  const clock = { now: () => tick }
  const stores: Store[] = Array.from({ length: REPLICAS }, (_, i) => new MemStore<string, string>(`r${i}`, { keys: stringCodec, values: stringCodec, clock }))
  const reports = stores.map(() => new Map<string, number>())
  stores.forEach((store, i) => {
    store.addEventListener('equivocation', (event: EquivocationEvent) => {
      const dot = `${event.replica}:${event.seq}`
      reports[i].set(dot, (reports[i].get(dot) ?? 0) + 1)
    })
  })
  // Two copies of one data directory: the same key, never pulled from (their ops are all they show).
  const key = WriterKey.generateSync()!
  const copies = [new MemStore<string, string>('copy-a', { keys: stringCodec, values: stringCodec, clock, writer: key }), new MemStore<string, string>('copy-b', { keys: stringCodec, values: stringCodec, clock, writer: key })]
  const inbox: Op[][][] = stores.map(() => [])
  const log: Op[] = []
  /** Versions of the copies' dots that reached a replica. */
  const arrived = new Map<string, Set<Op>>()
  const copyOps = new Set<Op>()
  const publish = (from: number, ops: Op[]): void => {
    log.push(...ops)
    stores.forEach((_, to) => { if (to !== from) inbox[to].push(ops) })
  }
  for (const action of script) {
    tick++
    switch (action.kind) {
      case 'write':
        publish(action.replica, [stores[action.replica].insertWithOp(`k${action.key}`, `${action.replica}:${action.value}`)])
        break
      case 'delete':
        publish(action.replica, [stores[action.replica].deleteWithOp(`k${action.key}`)])
        break
      case 'equivocate':
        for (const [i, copy] of copies.entries()) {
          const op = copy.insertWithOp(`k${action.key}`, `copy-${i}`)
          copyOps.add(op)
          stores.forEach((_, to) => inbox[to].push([op]))
        }
        break
      case 'deliver': {
        const queue = inbox[action.to]
        if (queue.length === 0) break
        const at = action.pick % queue.length
        const batch = queue[at]
        if (!action.duplicate) queue.splice(at, 1)
        deliver(stores[action.to], batch)
        for (const op of batch) {
          if (!copyOps.has(op) || op.kind !== 'set') continue
          if (!arrived.has(dotOf(op))) arrived.set(dotOf(op), new Set())
          arrived.get(dotOf(op))!.add(op)
          if (!log.includes(op)) log.push(op)
        }
        break
      }
      case 'drop': {
        const queue = inbox[action.to]
        if (queue.length > 0) queue.splice(action.pick % queue.length, 1)
        break
      }
      case 'sync':
        if (action.from !== action.to) sync(stores[action.to], stores[action.from], action.frameBytes)
        break
    }
  }
  // Pulls alone from here: each way, until every replica agrees (bounded).
  for (let round = 0; round < 4; round++) for (const a of stores) for (const b of stores) if (a !== b) sync(a, b, 100_000)
  const equivocated = new Set([...arrived].filter(([, versions]) => versions.size > 1).map(([dot]) => dot))
  const want = expected(log, equivocated)
  for (const store of stores) assert.deepEqual(store.entries(), want)
  assert.equal(new Set(stores.map((s) => Buffer.from(s.stateHash()).toString('hex'))).size, 1, 'one state hash')
  const removed = new Set(log.flatMap((op) => op.removes.map((dot) => `${dot.replica}:${dot.seq}`)))
  for (const dot of equivocated) {
    if (removed.has(dot)) continue
    reports.forEach((seen, i) => { assert.equal(seen.get(dot), 1, `replica ${i} reports ${dot} once`) })
  }
}

/**
 * Found by this property in CI: a replica killed seq 1 by a removal in one copy's batch of seq 2,
 * and the others held the other copy's batch from seq 2; the evidence named that batch by
 * reference, so they could neither check it nor ask for it whole, and never took the death.
 */
const REMOVER_BATCH_EQUIVOCATED: Action[] = [
  { kind: 'equivocate', key: 2 }, { kind: 'deliver', to: 0, pick: 326191831, duplicate: false }, { kind: 'equivocate', key: 2 },
  { kind: 'drop', to: 1, pick: 0 }, { kind: 'deliver', to: 0, pick: 749749859, duplicate: false }, { kind: 'write', replica: 1, key: 0, value: 0 },
  { kind: 'deliver', to: 2, pick: 236653727, duplicate: false }, { kind: 'deliver', to: 1, pick: 47905537, duplicate: false },
  { kind: 'deliver', to: 0, pick: 671555894, duplicate: true }, { kind: 'deliver', to: 0, pick: 259398959, duplicate: false },
  { kind: 'drop', to: 1, pick: 0 }, { kind: 'deliver', to: 1, pick: 0, duplicate: false }, { kind: 'equivocate', key: 0 },
  { kind: 'delete', replica: 0, key: 0 }, { kind: 'deliver', to: 1, pick: 0, duplicate: false }, { kind: 'write', replica: 0, key: 0, value: 0 },
  { kind: 'drop', to: 0, pick: 0 }, { kind: 'write', replica: 0, key: 2, value: 0 }, { kind: 'deliver', to: 0, pick: 502804981, duplicate: false },
  { kind: 'equivocate', key: 0 }, { kind: 'drop', to: 0, pick: 0 }
]

describe('equivocation under faults', () => {
  it('replicas converge however the two versions of a dot spread, and each reports every equivocation nobody removed once', () => {
    fc.assert(fc.property(actions(), (script) => { run(script) }), { numRuns: 150, examples: [[REMOVER_BATCH_EQUIVOCATED]] })
  })
})
