import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidArgumentError, decodeDiff, encodeDiff, type Op } from '../../src/index.ts'
import { bytes, dump } from './sync-fixture.ts'
import type { ConformanceKit } from './conformance-kit.ts'

/** State sync between stores: summary and full requests, what a diff costs, frames, and bad input. */
export function storeSyncSuite (kind: string, kit: ConformanceKit): void {
  const { make, settle, pull } = kit

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
