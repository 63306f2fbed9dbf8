// After a salvage a peer converges with the others, and no write that another peer holds is lost:
// real libp2p nodes over TCP, real LevelDB, a table scribbled over on disk.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { LevelStore } from '../../src/index.ts'
import { damage, fileOf, noise } from '../store/level-damage-fixture.ts'
import { LevelFixture } from '../store/level-fixture.ts'
import { bytes, connect, converged, dump, startPeer, stopAll, waitFor, type TestPeer } from './mesh-fixture.ts'

describe('a salvaged peer and a live one', { timeout: 120_000 }, () => {
  const everyone: TestPeer[] = []
  const level = new LevelFixture()
  after(async () => {
    await stopAll(everyone)
    await level.cleanup()
  })

  it('converge, with every write the live peer holds, and the salvaged peer writes on under its new id', async () => {
    const dirA = join(await level.dir(), 'store')
    const storeA = await level.open(dirA)
    const a = await startPeer({}, storeA)
    const b = await startPeer({}, await level.open())
    everyone.push(a, b)
    await connect(a, b)
    // Values that do not compress, so that a scribble over a table lands in entries; in one
    // transaction each, so that the table holds few packs that merges replaced.
    a.store.transact(() => { for (let i = 0; i < 200; i++) a.store.set(bytes(`a-${i}`), noise(512, i + 1)) })
    b.store.transact(() => { for (let i = 0; i < 200; i++) b.store.set(bytes(`b-${i}`), noise(512, 1000 + i)) })
    for (let i = 0; i < 20; i++) b.store.delete(bytes(`a-${i}`))
    await waitFor(() => converged([a, b]), 'a and b to converge')
    await (storeA as LevelStore).flush()
    const held = dump(b.store)
    const oldId = storeA.replicaId

    await a.peer.stop()
    await level.close(storeA)
    // A reopen turns the log into a table; then that table is damaged.
    await level.close(await level.open(dirA))
    await damage(await fileOf(dirA, '.ldb'), 'scribbled')
    await assert.rejects(LevelStore.open(dirA), { name: 'CorruptStoreError' })

    const salvaged = await level.open(dirA, { salvage: true })
    const report = salvaged.salvaged!
    assert.notEqual(salvaged.replicaId, oldId, 'a new replica id')
    assert.ok(report.kept < held.length, `the damage cost entries (${report.kept} of ${held.length} kept)`)
    assert.ok(report.kept > 0)

    const a2 = await startPeer({}, salvaged)
    everyone.push(a2)
    await connect(a2, b)
    await waitFor(() => converged([a2, b]), 'the salvaged peer and b to converge')
    assert.deepEqual(dump(b.store), held, 'b lost nothing')
    assert.deepEqual(dump(a2.store), held, 'the salvaged peer holds every write b holds, deletes included')

    // Its new writes take seqs of the new id, which b has never seen: none is ignored as a duplicate.
    for (let i = 0; i < 10; i++) a2.store.set(bytes(`after-${i}`), bytes(`salvage ${i}`))
    await waitFor(() => b.store.get(bytes('after-9')) != null && converged([a2, b]), 'writes after the salvage to reach b')
    assert.equal(b.store.size, held.length + 10)
  })
})
