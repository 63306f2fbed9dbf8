import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidArgumentError, MAX_VALUE_BYTES, jsonCodec, stringCodec, type Op } from '../../src/index.ts'
import { bytes, dump } from './sync-fixture.ts'
import type { ConformanceKit } from './conformance-kit.ts'

/** What every store does on its own and between two: the seed examples, reads and writes, and the CRDT's rules. */
export function storeSemanticsSuite (kind: string, kit: ConformanceKit): void {
  const { make, text, deliver, pull } = kit

  describe(`${kind}: the seed examples`, () => {
    it('full state sync both ways', async () => {
      const a = await make('alice')
      const b = await make('bob')
      for (let i = 0; i < 1000; i++) {
        a.insert(bytes(16), bytes(128))
        b.insert(bytes(16), bytes(128))
      }
      await pull(a, b)
      await pull(b, a)
      assert.equal(a.size, 2000)
      assert.deepEqual(dump(a), dump(b))
    })

    it('incremental op sync', async () => {
      const a = await make()
      const b = await make()
      for (let i = 0; i < 1000; i++) await deliver(b, [a.insertWithOp(bytes(16), bytes(128))])
      assert.equal(b.size, 1000)
      assert.deepEqual(dump(a), dump(b))
    })

    it('a 10,000-insert transaction', async () => {
      const a = await make()
      const b = await make()
      a.begin()
      for (let i = 0; i < 10_000; i++) a.insert(bytes(16), bytes(128))
      const ops = a.commitWithOps()
      assert.equal(ops.length, 10_000)
      await deliver(b, ops)
      assert.deepEqual(dump(a), dump(b))
    })
  })

  describe(`${kind}: reads and writes`, () => {
    it('sets, gets, deletes and lists entries in key byte order', async () => {
      const store = await make()
      store.set(Uint8Array.of(2), Uint8Array.of(20)).set(Uint8Array.of(1, 255), Uint8Array.of(10)).set(Uint8Array.of(0x80), Uint8Array.of(30))
      assert.equal(store.size, 3)
      assert.deepEqual(store.get(Uint8Array.of(2)), Uint8Array.of(20))
      assert.deepEqual(store.entries().map(([k]) => [...k]), [[1, 255], [2], [0x80]])
      assert.equal(store.delete(Uint8Array.of(2)), true)
      assert.equal(store.delete(Uint8Array.of(2)), false)
      assert.equal(store.has(Uint8Array.of(2)), false)
      assert.equal(store.size, 2)
    })

    it('gives every store a fresh replica id, whatever its name', async () => {
      assert.notEqual((await make('alice')).replicaId, (await make('alice')).replicaId)
      assert.match((await make()).replicaId, /^[0-9a-f]{32}$/)
    })

    it('takes string and JSON codecs', async () => {
      const store = await make<string, { done: boolean }>('todo', { keys: stringCodec, values: jsonCodec() })
      store.set('milk', { done: false })
      assert.deepEqual(store.get('milk'), { done: false })
      assert.deepEqual(store.entries(), [['milk', { done: false }]])
    })

    it('rejects bad keys and values with a typed error and stays unchanged', async () => {
      const store = await make()
      const strings = await text()
      assert.throws(() => store.set('x' as unknown as Uint8Array, bytes(1)), InvalidArgumentError)
      assert.throws(() => store.set(bytes(4), new Uint8Array(MAX_VALUE_BYTES + 1)), InvalidArgumentError)
      assert.throws(() => strings.set('k', 5 as unknown as string), InvalidArgumentError)
      assert.equal(store.size, 0)
    })
  })

  describe(`${kind}: semantics`, () => {
    it('last writer wins among concurrent sets, and conflicts() shows every sibling', async () => {
      let now = 1000
      const a = await make<string, string>('a', { keys: stringCodec, values: stringCodec, clock: { now: () => now } })
      const b = await make<string, string>('b', { keys: stringCodec, values: stringCodec, clock: { now: () => now } })
      const early = a.insertWithOp('k', 'from a')
      now = 2000
      const late = b.insertWithOp('k', 'from b')
      await deliver(a, [late])
      await deliver(b, [early])
      assert.equal(a.get('k'), 'from b')
      assert.equal(b.get('k'), 'from b')
      assert.deepEqual(a.conflicts('k').map((s) => s.value), ['from b', 'from a'])
      // A later write by someone who saw both replaces both.
      await deliver(b, [a.insertWithOp('k', 'resolved')])
      assert.deepEqual(b.conflicts('k').map((s) => s.value), ['resolved'])
    })

    it('breaks an HLC tie by replica id', async () => {
      const now = (): number => 5000
      const a = await make<string, string>('a', { keys: stringCodec, values: stringCodec, clock: { now } })
      const b = await make<string, string>('b', { keys: stringCodec, values: stringCodec, clock: { now } })
      const fromB = b.insertWithOp('k', 'b')
      const fromA = a.insertWithOp('k', 'a')
      await deliver(a, [fromB])
      await deliver(b, [fromA])
      const expected = a.replicaId > b.replicaId ? 'a' : 'b'
      assert.equal(a.get('k'), expected)
      assert.equal(b.get('k'), expected)
    })

    it('add-wins: a delete does not remove a concurrent set it had not seen', async () => {
      const a = await text('a')
      const b = await text('b')
      await deliver(b, [a.insertWithOp('k', 'v1')])
      const del = b.deleteWithOp('k')
      const concurrent = a.insertWithOp('k', 'v2')
      await deliver(a, [del])
      await deliver(b, [concurrent])
      assert.equal(a.get('k'), 'v2')
      assert.equal(b.get('k'), 'v2')
    })

    it('nothing is resurrected: a stale op, a duplicate or a diff from a replica that missed the delete', async () => {
      const a = await text('a')
      const b = await text('b')
      const c = await text('c')
      const set = a.insertWithOp('k', 'v')
      await deliver(b, [set])
      await deliver(c, [set])
      const del = b.deleteWithOp('k')
      await deliver(a, [del])
      await deliver(a, [set])
      assert.equal(a.has('k'), false)
      await pull(a, c)
      assert.equal(a.has('k'), false, 'a diff from c, which never saw the delete, must not bring k back')
      await pull(c, a)
      assert.equal(c.has('k'), false, 'c learns the death from a')
      await pull(b, c)
      assert.deepEqual([a.size, b.size, c.size], [0, 0, 0])
    })

    it('ops commute, are idempotent and need no causal order', async () => {
      const a = await text('a')
      const ops: Op[] = [a.insertWithOp('x', '1'), a.insertWithOp('x', '2'), a.deleteWithOp('x'), a.insertWithOp('y', '3')]
      const b = await text('b')
      await deliver(b, [ops[3], ops[2], ops[0], ops[1], ops[0], ops[2]])
      assert.deepEqual(b.entries(), a.entries())
      assert.deepEqual(b.entries(), [['y', '3']])
    })

    it('does not let a remote clock far ahead drag the local clock', async () => {
      let now = 1_000_000
      const ahead = await make<string, string>('a', { keys: stringCodec, values: stringCodec, clock: { now: () => now + 3_600_000 } })
      const b = await make<string, string>('b', { keys: stringCodec, values: stringCodec, clock: { now: () => now } })
      const future = ahead.insertWithOp('f', 'v')
      assert.equal(future.kind === 'set' && future.hlc.wall, now + 3_600_000)
      await b.integrateOp(future)
      assert.equal(b.get('f'), 'v')
      now += 1
      const op = b.insertWithOp('g', 'w')
      assert.equal(op.kind === 'set' && op.hlc.wall, now)
      const nearby = await make<string, string>('c', { keys: stringCodec, values: stringCodec, clock: { now: () => now + 30_000 } })
      nearby.begin()
      for (let i = 0; i < 8; i++) nearby.set(`n${i}`, 'v')
      nearby.commit()
      const near = nearby.insertWithOp('n', 'v')
      await b.integrateOp(near)
      const after = b.insertWithOp('h', 'x')
      assert.deepEqual(after.kind === 'set' && after.hlc, { wall: now + 30_000, counter: (near.kind === 'set' ? near.hlc.counter : 0) + 1 })
    })
  })
}
