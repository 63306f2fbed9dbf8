import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ChangeEvent, TransactionError, type Op } from '../../src/index.ts'
import type { ConformanceKit } from './conformance-kit.ts'

/** Transactions, and what a commit or an integration tells: change and ops events, what was seen. */
export function storeCommitSuite (kind: string, kit: ConformanceKit): void {
  const { settle, text, deliver, pull } = kit

  describe(`${kind}: transactions`, () => {
    it('commits writes with contiguous dots and one clock', async () => {
      const a = await text()
      a.set('before', '0')
      a.begin()
      a.set('x', '1')
      a.set('y', '2')
      a.set('x', '3')
      a.delete('before')
      const ops = a.commitWithOps()
      assert.deepEqual(ops.map((op) => op.kind === 'set' ? op.dot.seq : 'del'), [2, 3, 4, 'del'])
      assert.equal(new Set(ops.flatMap((op) => op.kind === 'set' ? [JSON.stringify(op.hlc)] : [])).size, 1)
      const b = await text()
      await deliver(b, ops)
      assert.deepEqual(b.entries(), [['x', '3'], ['y', '2']])
    })

    it('rolls back every write and hands the seqs out again', async () => {
      const a = await text()
      a.set('keep', '1')
      a.begin()
      a.set('keep', '2')
      a.set('new', '3')
      a.delete('keep')
      a.rollback()
      assert.deepEqual(a.entries(), [['keep', '1']])
      const op = a.insertWithOp('z', '4')
      assert.equal(op.kind === 'set' && op.dot.seq, 2)
      const b = await text()
      await pull(b, a)
      assert.deepEqual(b.entries(), [['keep', '1'], ['z', '4']])
      // Nothing of the rolled-back sets stays in a's live digest or dot index.
      assert.deepEqual(b.stateHash(), a.stateHash())
      a.delete('z')
      await pull(b, a)
      assert.deepEqual(b.entries(), [['keep', '1']])
      assert.deepEqual(b.stateHash(), a.stateHash())
    })

    it('transact() commits on return and rolls back on throw', async () => {
      const a = await text()
      assert.equal(a.transact((s) => { s.set('a', '1'); return 7 }), 7)
      assert.throws(() => a.transact((s) => { s.set('b', '2'); throw new Error('boom') }), /boom/)
      assert.deepEqual(a.entries(), [['a', '1']])
      assert.equal(a.inTransaction, false)
    })

    it('refuses calls out of order with TransactionError', async () => {
      const a = await text()
      assert.throws(() => a.commit(), TransactionError)
      assert.throws(() => a.rollback(), TransactionError)
      a.begin()
      assert.throws(() => a.begin(), TransactionError)
      assert.throws(() => a.integrateOps([]), TransactionError)
      assert.throws(() => a.insertWithOp('k', 'v'), TransactionError)
      await a.commit()
    })

    it('a diff built during a transaction shows only committed state', async () => {
      const a = await text()
      a.set('committed', '1')
      await settle(a)
      a.begin()
      a.set('committed', 'uncommitted')
      a.set('pending', '2')
      const b = await text()
      await pull(b, a)
      assert.deepEqual(b.entries(), [['committed', '1']])
      await a.commit()
      await pull(b, a)
      assert.deepEqual(b.entries(), [['committed', 'uncommitted'], ['pending', '2']])
    })
  })

  describe(`${kind}: change events`, () => {
    it('fires one event per local commit and per remote integration, with the changed keys', async () => {
      const a = await text('a')
      const b = await text('b')
      const seen: Array<[string, Array<[string, string | undefined]>]> = []
      const listener = (event: ChangeEvent<string, string>): void => {
        seen.push([event.origin, event.changes.map((c) => [c.key, c.value])])
      }
      b.addEventListener('change', listener)
      b.set('local', '1')
      b.transact((s) => { s.set('x', '1'); s.set('x', '2'); s.delete('local') })
      a.begin()
      a.set('r1', 'a')
      a.set('r2', 'b')
      await deliver(b, a.commitWithOps())
      await deliver(b, [a.deleteWithOp('r1')])
      b.removeEventListener('change', listener)
      b.set('unheard', '1')
      assert.deepEqual(seen, [
        ['local', [['local', '1']]],
        ['local', [['x', '2'], ['local', undefined]]],
        ['remote', [['r1', 'a'], ['r2', 'b']]],
        ['remote', [['r1', undefined]]]
      ])
    })

    it('fires ops events with every local commit\'s ops, signed, and none for remote ones', async () => {
      const a = await text('a')
      const b = await text('b')
      const published: Op[][] = []
      a.addEventListener('ops', (event) => { published.push([...event.ops]) })
      a.set('x', '1')
      a.transact((s) => { s.set('y', '2'); s.delete('x') })
      a.delete('absent')
      await deliver(a, [b.insertWithOp('z', '3')])
      await settle(a)
      await a.signed()
      // Commits of a few ms share one signed batch, and so one event.
      assert.deepEqual(published.flat().map((op) => op.kind), ['set', 'set', 'delete'])
      for (const ops of published) await deliver(b, ops)
      assert.deepEqual(b.entries(), [['y', '2'], ['z', '3']])
    })

    it('hasSeen tells a gap in what arrived', async () => {
      const a = await text('a')
      const b = await text('b')
      const first = a.insertWithOp('x', '1')
      const second = a.insertWithOp('y', '2')
      await deliver(b, [second])
      assert.equal(b.hasSeen({ replica: a.replicaId, seq: 2 }), true)
      assert.equal(b.hasSeen({ replica: a.replicaId, seq: 1 }), false)
      await deliver(b, [first])
      assert.equal(b.hasSeen({ replica: a.replicaId, seq: 1 }), true)
    })

    it('does not fire for an integration that changes nothing', async () => {
      const a = await text('a')
      const b = await text('b')
      const op = a.insertWithOp('k', 'v')
      await deliver(b, [op])
      let count = 0
      b.addEventListener('change', () => { count++ })
      await deliver(b, [op])
      await pull(b, a)
      assert.equal(count, 0)
    })
  })
}
