import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MemStore, decodeDiff, encodeDiff } from '../../src/index.ts'
import { falseDeaths, pull } from './sync-fixture.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

// Issue 17 item 3: a member that tells a puller live entries are dead, or that a writer wrote
// more than it did, is corrected by the next pull from any honest peer. Honest writers write,
// overwrite and delete at random and pull from each other; a liar, holding everything they
// published, sends pullers diffs whose deaths are false (live entries, seqs never written) and
// leaves those entries out. After honest pulls, every replica holds every live entry.

const WRITERS = 2
const PULLERS = 2

type Action =
  | { kind: 'write', writer: number, key: number }
  | { kind: 'delete', writer: number, key: number }
  | { kind: 'pull', to: number, from: number }
  | { kind: 'lie', to: number, pick: number, beyond: number }

function actions (): fc.Arbitrary<Action[]> {
  const writer = fc.integer({ min: 0, max: WRITERS - 1 })
  const key = fc.integer({ min: 0, max: 7 })
  const store = fc.integer({ min: 0, max: WRITERS + PULLERS - 1 })
  return fc.array(fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), writer, key }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), writer, key }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('pull' as const), to: store, from: store }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('lie' as const), to: store, pick: fc.nat(), beyond: fc.integer({ min: 0, max: 1000 }) }) }
  ), { minLength: 10, maxLength: 50 })
}

function run (script: Action[]): void {
  const stores = Array.from({ length: WRITERS + PULLERS }, (_, i) => new MemStore(i < WRITERS ? `writer${i}` : `puller${i}`))
  // The liar is a member: it hears everything the writers do.
  const liar = new MemStore('liar')
  for (const action of script) {
    switch (action.kind) {
      case 'write':
        stores[action.writer].set(bytes(`k${action.key}`), bytes(`${action.writer}:${Math.random()}`))
        break
      case 'delete':
        stores[action.writer].delete(bytes(`k${action.key}`))
        break
      case 'pull':
        if (action.to !== action.from) pull(stores[action.to], stores[action.from])
        break
      case 'lie': {
        for (let i = 0; i < WRITERS; i++) pull(liar, stores[i])
        const diff = falseDeaths(liar, (seq) => (seq + action.pick) % 2 === 0, action.beyond)
        const target = stores[action.to]
        const before = target.size
        // The last seq claimed dead is one never written (when the liar adds such).
        const claimed = action.beyond === 0 ? [] : diff.groups.map((group) => ({ replica: group.replica, seq: group.deaths!.max()! }))
        const seenBefore = claimed.map((dot) => target.hasSeen(dot))
        target.integrateDiff(decodeDiff(encodeDiff(diff)))
        // Nothing it held dies by the liar's word, and no seq is seen for it.
        assert.ok(target.size >= before, 'no key lost to a lie')
        assert.deepEqual(claimed.map((dot) => target.hasSeen(dot)), seenBefore, 'no seq seen dead by a lie')
        break
      }
    }
  }
  // Honest pulls only from here: every store from every writer, then the writers from each other.
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < WRITERS; i++) for (let j = 0; j < WRITERS; j++) if (i !== j) pull(stores[i], stores[j])
    for (const store of stores) for (let i = 0; i < WRITERS; i++) if (store !== stores[i]) pull(store, stores[i])
  }
  const want = stores[0].entries()
  for (const store of stores) {
    assert.deepEqual(store.entries(), want, `${store.replicaId} holds every live entry`)
    assert.deepEqual(store.stateHash(), stores[0].stateHash(), 'one state hash')
  }
}

describe('false deaths heal', () => {
  it('after a liar\'s false deaths, honest pulls leave every replica holding every live entry, with one state hash', () => {
    fc.assert(fc.property(actions(), (script) => { run(script) }), { numRuns: 100 })
  })
})
