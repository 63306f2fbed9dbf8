import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { LevelStore, createMeshPeer, nodePreset } from '../../src/index.ts'
import { LevelFixture } from '../store/level-fixture.ts'
import { bytes, connect, converged, dump, startPeer, stopAll, waitFor, type TestPeer } from './mesh-fixture.ts'

describe('peers with persistent stores over TCP', { timeout: 120_000 }, () => {
  const everyone: TestPeer[] = []
  const level = new LevelFixture()
  after(async () => {
    await stopAll(everyone)
    await level.cleanup()
  })

  it('one stops, both write, it restarts on the same data directory, and they converge', async () => {
    const dirA = await level.dir()
    const storeA = await level.open(dirA)
    const a = await startPeer({}, storeA)
    const b = await startPeer({}, await level.open())
    everyone.push(a, b)
    await connect(a, b)
    for (let i = 0; i < 20; i++) {
      a.store.set(bytes(`a-${i}`), bytes(`first ${i}`))
      b.store.set(bytes(`b-${i}`), bytes(`first ${i}`))
    }
    await waitFor(() => converged([a, b]), 'the two peers to converge before the stop')

    await a.peer.stop()
    // Offline, a keeps writing into its store, then its process ends; b writes meanwhile.
    for (let i = 0; i < 20; i++) {
      a.store.set(bytes(`a-${i}`), bytes(`offline ${i}`))
      b.store.set(bytes(`b-${i}`), bytes(`while a was away ${i}`))
      b.store.set(bytes(`b-new-${i}`), bytes(`new ${i}`))
    }
    a.store.delete(bytes('b-0'))
    const offline = dump(a.store)
    await level.close(storeA)

    const reopened = await level.open(dirA)
    assert.equal(reopened.replicaId, storeA.replicaId)
    assert.deepEqual(dump(reopened), offline)
    const restarted = await startPeer({}, reopened)
    everyone.push(restarted)
    await connect(restarted, b)
    await waitFor(() => converged([restarted, b]), 'the restarted peer and b to converge')
    const final = new Map(dump(b.store).map((line) => line.split('=') as [string, string]))
    const hexOf = (text: string): string => Buffer.from(text).toString('hex')
    assert.equal(final.get(hexOf('a-3')), hexOf('offline 3'), 'writes made while stopped reach b')
    assert.equal(final.get(hexOf('b-new-3')), hexOf('new 3'), 'writes b made meanwhile reach a')
    assert.equal(final.get(hexOf('b-0')), hexOf('while a was away 0'), 'a\'s offline delete did not see b\'s set: the set survives')
    assert.deepEqual(dump(restarted.store), dump(b.store))
  })

  it('createMeshPeer({ dataDir }) opens a persistent store there and closes it on stop', async () => {
    const dir = await level.dir()
    const make = async (): Promise<Awaited<ReturnType<typeof createMeshPeer>>> => await createMeshPeer({
      dataDir: dir,
      mesh: 'test',
      libp2p: nodePreset({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    })
    const first = await make()
    assert.ok(first.store instanceof LevelStore)
    await first.start()
    first.store.set(bytes('kept'), bytes('across restarts'))
    const id = first.store.replicaId
    await first.stop()
    const second = await make()
    await second.start()
    try {
      assert.equal(second.store.replicaId, id, 'the same writer after a restart')
      assert.deepEqual(second.store.get(bytes('kept')), bytes('across restarts'))
    } finally {
      await second.stop()
    }
    await assert.rejects(createMeshPeer({ libp2p: nodePreset() } as never), { name: 'InvalidArgumentError' })
  })
})
