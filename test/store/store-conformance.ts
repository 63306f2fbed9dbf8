import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ChangeEvent, InvalidArgumentError, MAX_VALUE_BYTES, TransactionError, decodeDiff, decodeDiffRequest, decodeOps,
  encodeDiff, encodeDiffRequest, encodeOps, jsonCodec, stringCodec, type MemStore, type MemStoreOptions, type Op, type ReplicaStore
} from '../../src/index.ts'
import { bytes, dump } from './sync-fixture.ts'

// The behaviour every store shares, run against MemStore (mem-store.test.ts) and LevelStore
// (level-store.test.ts). Writes and integrations are awaited: a LevelStore's resolve once
// durable, a MemStore's return nothing.

/** Makes the stores a suite run tests. */
export interface StoreFactory {
  make<K = Uint8Array, V = Uint8Array>(name?: string, options?: Omit<MemStoreOptions<K, V>, 'replicaId'>): Promise<ReplicaStore<K, V>>
  /** Resolves once everything written to `store` is durable (its 'ops' events have fired). */
  settle(store: ReplicaStore<any, any>): Promise<void>
}

export function storeConformance (kind: string, factory: StoreFactory): void {
  const { make, settle } = factory
  const text = async (name?: string): Promise<ReplicaStore<string, string>> => await make<string, string>(name, { keys: stringCodec, values: stringCodec })

  /** Ops through the wire format. */
  async function deliver<K, V> (to: ReplicaStore<K, V>, ops: Op[]): Promise<void> {
    await to.integrateOps(decodeOps(encodeOps(ops)))
  }

  /** One pull through the wire formats: `to` asks, `from` answers from what it holds durably. */
  async function pull<K, V> (to: ReplicaStore<K, V>, from: ReplicaStore<K, V>): Promise<{ request: number, diff: number }> {
    await settle(from)
    const request = encodeDiffRequest(to.requestDiff())
    const diff = encodeDiff(from.buildDiff(decodeDiffRequest(request)))
    await to.integrateDiff(decodeDiff(diff))
    return { request: request.byteLength, diff: diff.byteLength }
  }

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

  describe(`${kind}: state sync`, () => {
    it('costs a summary round of at most 32 bytes between converged stores, however many writers', async () => {
      const stores = await Promise.all(Array.from({ length: 8 }, async () => await make()))
      for (const store of stores) for (let i = 0; i < 200; i++) store.set(bytes(16), bytes(32))
      for (const store of stores) for (let i = 0; i < 50; i++) store.delete(store.entries()[i][0])
      for (let round = 0; round < 2; round++) for (const a of stores) for (const b of stores) if (a !== b) await pull(a, b)
      const [a, b] = stores
      assert.deepEqual(dump(a), dump(b))
      const summary = a.requestDiff({ summary: true })
      const answer = b.buildDiff(summary)
      assert.equal(answer.groups.length, 0)
      assert.equal(answer.needsFullRequest, false)
      const { request, diff } = await pull(a, b)
      assert.ok(diff <= 8, `a full round between converged stores answers nothing (${diff} bytes)`)
      assert.ok(request / stores.length < 80, `${request / stores.length} bytes per writer in the request`)
    })

    it('answers a summary request that does not match with needsFullRequest', async () => {
      const a = await make()
      const b = await make()
      a.set(bytes(4), bytes(4))
      b.set(bytes(4), bytes(4))
      await settle(b)
      const answer = decodeDiff(encodeDiff(b.buildDiff(a.requestDiff({ summary: true }))))
      assert.equal(answer.needsFullRequest, true)
    })

    it('asks with a full request at once when it has seen nothing (it is as small as a summary)', async () => {
      const request = (await make()).requestDiff({ summary: true })
      assert.deepEqual(request.replicas, [])
    })

    it('sends only the new entry after one write', async () => {
      const a = await make()
      const b = await make()
      for (let i = 0; i < 1000; i++) a.set(bytes(16), bytes(128))
      for (let i = 0; i < 100; i++) a.set(a.entries()[i][0], bytes(128))
      await pull(b, a)
      assert.deepEqual(dump(a), dump(b))
      a.set(bytes(16), bytes(128))
      const { diff } = await pull(b, a)
      // The entry (~150 bytes), its writer's card (48) and its batch's proof (~130).
      assert.ok(diff < 400, `one new entry cost ${diff} bytes`)
      a.set(a.entries()[500][0], bytes(128))
      await pull(b, a)
      assert.deepEqual(dump(a), dump(b))
    })

    it('streams bounded frames, entries before deaths, and any prefix leaves a correct store', async () => {
      const a = await make()
      for (let i = 0; i < 3000; i++) a.set(bytes(16), bytes(128))
      const keys = a.entries().map(([k]) => k)
      for (let i = 0; i < 3000; i += 2) a.delete(keys[i])
      await settle(a)
      const frames = [...a.buildDiffFrames((await make()).requestDiff(), { maxFrameBytes: 4096 })].map(encodeDiff)
      assert.ok(frames.length > 10)
      for (const frame of frames) assert.ok(frame.byteLength <= 4096 + 200, `frame of ${frame.byteLength} bytes`)
      const kinds = frames.map((f) => decodeDiff(f).groups.some((g) => g.deaths != null) ? 'deaths' : 'entries')
      assert.deepEqual(kinds, [...kinds].sort((x, y) => x === y ? 0 : x === 'entries' ? -1 : 1))
      for (const cut of [1, Math.floor(frames.length / 2), frames.length]) {
        const b = await make()
        for (const frame of frames.slice(0, cut)) await b.integrateDiff(decodeDiff(frame))
        const expected = new Map(dump(a))
        for (const [k, v] of dump(b)) assert.equal(expected.get(k), v, 'only live entries arrive, with their values')
        await pull(b, a)
        assert.deepEqual(dump(b), dump(a))
      }
    })

    it('refuses a bad diff or a bad op batch and changes nothing', async () => {
      const a = await make()
      const good: Op = (await make()).insertWithOp(bytes(4), bytes(4))
      const bad = { ...good, dot: { replica: 'not-hex', seq: 1 } } as Op
      assert.throws(() => a.integrateOps([good, bad]), InvalidArgumentError)
      assert.equal(a.size, 0)
      const b = await make()
      b.set(bytes(4), bytes(4))
      await settle(b)
      const diff = b.buildDiff(a.requestDiff())
      const broken = { ...diff, groups: [...diff.groups, { replica: diff.groups[0].replica, entries: [] }] }
      assert.throws(() => a.integrateDiff(broken), InvalidArgumentError)
      assert.equal(a.size, 0)
      assert.equal(a.buildDiff(b.requestDiff()).groups.length, 0)
    })
  })
}
