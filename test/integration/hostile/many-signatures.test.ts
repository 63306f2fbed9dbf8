import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { MemStore, decodeDiff, encodeDiff } from '../../../src/index.ts'
import type { Libp2p } from 'libp2p'
import { startPeer, stopAll, waitFor, type TestPeer } from '../mesh-fixture.ts'
import { attackerNode } from './attacker.ts'
import { serveFrames } from './store-attack-fixture.ts'

// A pull frame of a real writer's 3,000 entries (47 signed batches, verified on the puller's
// worker threads while it hashes the entries), served by a responder that changed one batch's
// signature: the puller refuses the frame whole, changes nothing, and counts it against the
// responder; the same frame unchanged then goes in.

describe('a big diff frame with one bad signature among many, over real nodes', { timeout: 120_000 }, () => {
  let puller: TestPeer
  let server: Libp2p<any>
  const writer = new MemStore('writer')
  let frame: Uint8Array<ArrayBuffer>

  before(async () => {
    writer.begin()
    for (let i = 0; i < 3_000; i++) writer.set(randomBytes(16), randomBytes(32))
    writer.commit()
    frame = encodeDiff(writer.buildDiff(new MemStore().requestDiff()))
    puller = await startPeer({}, new MemStore('puller'))
    server = await attackerNode({})
    await serveFrames(server, () => [frame])
  })

  after(async () => {
    await server.stop()
    await stopAll([puller])
  })

  it('is refused whole, changes nothing, and is counted against the responder; unchanged, it goes in', async () => {
    const honest = frame
    const changed = decodeDiff(honest)
    const proofs = changed.groups[0].proofs!
    assert.ok(proofs.length >= 40, `${proofs.length} signed batches`)
    proofs[Math.floor(proofs.length / 2)].signature[3] ^= 0x01
    frame = encodeDiff(changed)
    const before = puller.store.stateHash()
    await server.dial(puller.peer.libp2p.getMultiaddrs()[0])
    await waitFor(() => puller.peer.stats().connectedPeers.includes(server.peerId.toString()), 'the puller to take the server for a mesh peer')
    await puller.peer.syncWith(server.peerId)
    assert.ok(puller.peer.stats().diffFailures >= 1, 'the pull failed')
    assert.ok(puller.peer.stats().refusedByPeer[server.peerId.toString()]?.diffFrames >= 1, 'counted against the server')
    assert.deepEqual(puller.store.stateHash(), before, 'nothing changed')
    assert.equal(puller.store.size, 0)
    frame = honest
    await puller.peer.syncWith(server.peerId)
    await waitFor(() => puller.store.size === 3_000, 'the honest frame to go in')
    assert.deepEqual(puller.store.stateHash(), writer.stateHash())
  })
})
