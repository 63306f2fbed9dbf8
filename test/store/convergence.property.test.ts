import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MemStore, decodeDiff, decodeDiffRequest, encodeDiff, encodeDiffRequest, stringCodec, type Op, type SetOp } from '../../src/index.ts'
import { deliver } from './sync-fixture.ts'

// Replicas write, their ops travel a lossy network (dropped, duplicated, reordered, held back
// by partitions), and state syncs run in random directions, sometimes cut off halfway. After a
// final all-pairs sync every replica must hold exactly what a reference model says survives:
// every set whose dot no op ever removed, the last writer winning per key.

type Action =
  | { kind: 'write', replica: number, key: number, value: number }
  | { kind: 'delete', replica: number, key: number }
  | { kind: 'transaction', replica: number, writes: Array<{ key: number, value: number | null }>, rollback: boolean }
  | { kind: 'deliver', to: number, pick: number, duplicate: boolean }
  | { kind: 'drop', to: number, pick: number }
  | { kind: 'sync', from: number, to: number, frameBytes: number, cut: number }
  | { kind: 'partition', side: number[] }
  | { kind: 'heal' }

const KEYS = 6

function actions (replicas: number): fc.Arbitrary<Action[]> {
  const replica = fc.integer({ min: 0, max: replicas - 1 })
  const key = fc.integer({ min: 0, max: KEYS - 1 })
  const value = fc.integer({ min: 0, max: 999 })
  return fc.array(fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), replica, key, value }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), replica, key }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('transaction' as const),
        replica,
        writes: fc.array(fc.record({ key, value: fc.option(value, { nil: null }) }), { minLength: 1, maxLength: 4 }),
        rollback: fc.boolean()
      })
    },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('deliver' as const), to: replica, pick: fc.nat(), duplicate: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), to: replica, pick: fc.nat() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('sync' as const),
        from: replica,
        to: replica,
        frameBytes: fc.constantFrom(64, 256, 100_000),
        cut: fc.nat({ max: 4 })
      })
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const), side: fc.subarray([...Array(replicas).keys()]) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'heal' as const }) }
  ), { maxLength: 60 })
}

type Store = MemStore<string, string>

/** `to` pulls from `from`; with `cut > 0` only the first `cut` frames arrive, as when a stream breaks. */
function sync (to: Store, from: Store, frameBytes: number, cut: number): void {
  const request = decodeDiffRequest(encodeDiffRequest(to.requestDiff()))
  let frames = [...from.buildDiffFrames(request, { maxFrameBytes: frameBytes })].map(encodeDiff)
  if (cut > 0) frames = frames.slice(0, cut)
  for (const frame of frames) to.integrateDiff(decodeDiff(frame))
}

function expected (log: Op[]): Array<[string, string]> {
  const dead = new Set<string>()
  for (const op of log) for (const dot of op.removes) dead.add(`${dot.replica}:${dot.seq}`)
  const best = new Map<string, SetOp>()
  for (const op of log) {
    if (op.kind !== 'set' || dead.has(`${op.dot.replica}:${op.dot.seq}`)) continue
    const key = new TextDecoder().decode(op.key)
    const current = best.get(key)
    const wins = current == null ||
      op.hlc.wall > current.hlc.wall ||
      (op.hlc.wall === current.hlc.wall && (op.hlc.counter > current.hlc.counter ||
        (op.hlc.counter === current.hlc.counter && op.dot.replica > current.dot.replica)))
    if (wins) best.set(key, op)
  }
  return [...best].map(([key, op]): [string, string] => [key, new TextDecoder().decode(op.value)]).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
}

/**
 * `maxRemovalOnlyWriters` bounds what a store keeps of writers it knows only from removals; at a
 * bound that drops some, entries must still converge, though the state hashes of a store that
 * dropped a writer's deaths and one that kept them may differ for good.
 */
function run (replicaCount: number, script: Action[], maxRemovalOnlyWriters?: number): void {
  let tick = 1_000_000
  const stores: Store[] = Array.from({ length: replicaCount }, (_, i) =>
    new MemStore<string, string>(`r${i}`, { keys: stringCodec, values: stringCodec, clock: { now: () => tick }, maxRemovalOnlyWriters }))
  const inbox: Op[][][] = stores.map(() => [])
  const log: Op[] = []
  let side = new Set<number>()
  const connected = (a: number, b: number): boolean => side.has(a) === side.has(b)
  const publish = (from: number, ops: Op[]): void => {
    log.push(...ops)
    stores.forEach((_, to) => { if (to !== from) inbox[to].push(ops) })
  }
  for (const action of script) {
    tick += action.kind === 'write' ? 0 : 1
    switch (action.kind) {
      case 'write':
        publish(action.replica, [stores[action.replica].insertWithOp(`k${action.key}`, `${action.replica}:${action.value}`)])
        break
      case 'delete':
        publish(action.replica, [stores[action.replica].deleteWithOp(`k${action.key}`)])
        break
      case 'transaction': {
        const store = stores[action.replica]
        store.begin()
        for (const write of action.writes) {
          if (write.value == null) store.delete(`k${write.key}`)
          else store.set(`k${write.key}`, `${action.replica}:${write.value}`)
        }
        if (action.rollback) store.rollback()
        else publish(action.replica, store.commitWithOps())
        break
      }
      case 'deliver': {
        const queue = inbox[action.to]
        if (queue.length === 0) break
        const at = action.pick % queue.length
        const batch = queue[at]
        const sender = log.indexOf(batch[0])
        if (!action.duplicate) queue.splice(at, 1)
        if (sender >= 0) deliver(stores[action.to], batch)
        break
      }
      case 'drop': {
        const queue = inbox[action.to]
        if (queue.length > 0) queue.splice(action.pick % queue.length, 1)
        break
      }
      case 'sync':
        if (action.from !== action.to && connected(action.from, action.to)) {
          sync(stores[action.to], stores[action.from], action.frameBytes, action.cut)
        }
        break
      case 'partition':
        side = new Set(action.side)
        break
      case 'heal':
        side = new Set()
        break
    }
  }
  for (let round = 0; round < 2; round++) {
    for (const a of stores) for (const b of stores) if (a !== b) sync(a, b, 100_000, 0)
  }
  const want = expected(log)
  for (const store of stores) assert.deepEqual(store.entries(), want)
  if (maxRemovalOnlyWriters != null) return
  const hashes = new Set(stores.map((s) => Buffer.from(s.stateHash()).toString('hex')))
  assert.equal(hashes.size, 1, 'converged replicas have one state hash')
}

describe('convergence under faults', () => {
  it('3 to 5 replicas converge to the model: nothing lost, nothing resurrected', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 5 }).chain((n) => fc.tuple(fc.constant(n), actions(n))), ([n, script]) => {
      run(n, script)
    }), { numRuns: 300 })
  })

  it('entries converge to the model when stores keep no writer known only from removals', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 5 }).chain((n) => fc.tuple(fc.constant(n), actions(n))), ([n, script]) => {
      run(n, script, 0)
    }), { numRuns: 200 })
  })

  it('stale ops redelivered after a delete bring nothing back', () => {
    fc.assert(fc.property(actions(3), (script) => {
      // Every op delivered twice, after the fact, to everyone: duplicates and old ops must be inert.
      const replay: Action[] = []
      for (let i = 0; i < 40; i++) replay.push({ kind: 'deliver', to: i % 3, pick: i, duplicate: true })
      run(3, [...script, ...replay])
    }), { numRuns: 100 })
  })
})
