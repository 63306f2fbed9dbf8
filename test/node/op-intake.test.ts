import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OpIntake } from '../../src/node/op-intake.ts'
import { ForeignDotError, MemStore, type Dot, type Op } from '../../src/index.ts'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** Ops of a writer's seqs `from`..`to`, one key each. */
function writes (from: number, to: number): Op[][] {
  const writer = new MemStore()
  const batches: Op[][] = []
  for (let seq = 1; seq <= to; seq++) {
    const op = writer.insertWithOp(Uint8Array.of(seq), Uint8Array.of(seq))
    if (seq >= from) batches.push([op])
  }
  return batches
}

function recording (): { reports: string[], gaps: Array<[Dot, string]>, handlers: ConstructorParameters<typeof OpIntake<string>>[1] } {
  const reports: string[] = []
  const gaps: Array<[Dot, string]> = []
  return {
    reports,
    gaps,
    handlers: {
      foreign: (source) => { reports.push(`foreign:${source}`) },
      invalid: (source) => { reports.push(`invalid:${source}`) },
      gap: (dot, source) => { gaps.push([dot, source]) }
    }
  }
}

describe('OpIntake', () => {
  it('holds remote ops while the app has a transaction open, then integrates them', async () => {
    const store = new MemStore()
    const { reports, handlers } = recording()
    const intake = new OpIntake<string>(store, handlers)
    store.begin()
    store.set(Uint8Array.of(200), Uint8Array.of(1))
    for (const ops of writes(1, 3)) intake.receive(ops, 'tab-a')
    assert.equal(store.size, 1, 'nothing remote interleaved with the open transaction')
    store.commit()
    await sleep(30)
    assert.equal(store.size, 4)
    assert.deepEqual(reports, [])
    intake.stop()
  })

  it('reports a gap below an op once per source, and nothing once the gap is filled', () => {
    const store = new MemStore()
    const { gaps, handlers } = recording()
    const intake = new OpIntake<string>(store, handlers)
    const batches = writes(1, 5)
    intake.receive(batches[3], 'peer-x')
    assert.equal(gaps.length, 1)
    assert.equal(gaps[0][0].seq, 3)
    assert.equal(gaps[0][1], 'peer-x')
    for (const ops of batches.slice(0, 3)) intake.receive(ops, 'peer-y')
    intake.receive(batches[4], 'peer-y')
    assert.equal(gaps.length, 1, 'no gap once every seq below arrived')
  })

  it('refuses a batch naming our own unissued dot as foreign, and a malformed one as invalid, and goes on', () => {
    const store = new MemStore()
    const { reports, handlers } = recording()
    const intake = new OpIntake<string>(store, handlers)
    const forged: Op = { kind: 'set', dot: { replica: store.replicaId, seq: 9 }, hlc: { wall: 1, counter: 0 }, key: Uint8Array.of(1), value: Uint8Array.of(1), removes: [] }
    assert.throws(() => { store.integrateOps([forged]) }, ForeignDotError)
    intake.receive([forged], 'mallory')
    intake.receive([{ ...forged, dot: { replica: 'not hex', seq: 1 } }], 'mallory')
    for (const ops of writes(1, 1)) intake.receive(ops, 'honest')
    assert.deepEqual(reports, ['foreign:mallory', 'invalid:mallory'])
    assert.equal(store.size, 1)
  })
})
