import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { InvalidArgumentError, MemStore, createMeshPeer, encodeOps, nodePreset, type SyncErrorDetail } from '../../src/index.ts'
import type { Libp2p } from 'libp2p'
import { bytes, connect, converged, startPeer, stopAll, waitFor, type TestPeer } from './mesh-fixture.ts'
import { attackerNode, joinTopic } from './hostile/attacker.ts'

// Issue 17's opt-out over real libp2p nodes: peers whose stores have writerKeys: false sync with
// each other as any peers do, on a topic and diff mesh name of their own; a signed peer and an
// unsigned one of the same mesh, connected, exchange no ops and no diffs, and neither crashes.

describe('writerKeys: false over real nodes', { timeout: 120_000 }, () => {
  let dir: string
  let a: TestPeer
  let b: TestPeer
  let signed: TestPeer
  let signedFriend: TestPeer
  let attacker: Libp2p<any> | undefined

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rm-unsigned-mesh-'))
    a = await startPeer({}, new MemStore('a', { writerKeys: false }))
    // The other one as an app makes it: a persistent store made by createMeshPeer from the option.
    const peer = await createMeshPeer({
      dataDir: join(dir, 'b'),
      writerKeys: false,
      mesh: 'test',
      antiEntropy: { interval: 1500, jitter: 500, minTriggeredInterval: 200 },
      libp2p: nodePreset({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    })
    await peer.start()
    b = { peer, store: peer.store as any, blocked: new Set() }
    signed = await startPeer({}, new MemStore('signed'))
    signedFriend = await startPeer({}, new MemStore('signed-friend'))
  })

  after(async () => {
    await attacker?.stop()
    await stopAll([a, b, signed, signedFriend])
    await rm(dir, { recursive: true, force: true })
  })

  it('two unsigned peers sync by ops and by pull, on a topic of their own', async () => {
    assert.equal(b.store.writerKeys, false)
    assert.equal(a.peer.topic, 'roaring-mesh/test/ops/3/unsigned')
    assert.equal(b.peer.topic, a.peer.topic)
    assert.notEqual(signed.peer.topic, a.peer.topic)
    // Written before they meet: it reaches the other by a pull.
    a.store.set(bytes('before'), bytes('1'))
    await connect(a, b)
    await waitFor(() => b.store.has(bytes('before')), 'the write made before connecting to reach b by a pull')
    // Written while connected: ops on the topic, both ways.
    for (let i = 0; i < 20; i++) a.store.set(bytes(`a${i}`), bytes('x'))
    await b.store.set(bytes('from-b'), bytes('y'))
    a.store.delete(bytes('a3'))
    await waitFor(() => converged([a, b]), 'a and b to converge')
    assert.equal(b.store.has(bytes('a3')), false)
    assert.equal(a.store.has(bytes('from-b')), true)
    assert.ok(b.peer.stats().opsReceived > 0, 'b got ops on the topic')
    assert.equal(a.peer.stats().invalidMessages, 0)
    assert.equal(b.peer.stats().invalidMessages, 0)
  })

  it('a signed and an unsigned peer of one mesh, connected, exchange nothing and keep running', async () => {
    const refused: SyncErrorDetail[] = []
    signed.peer.addEventListener('sync:error', (event) => { refused.push(event.detail) })
    signed.store.set(bytes('signed-only'), bytes('s'))
    a.store.set(bytes('unsigned-only'), bytes('u'))
    await connect(signed, a)
    await connect(signedFriend, signed)
    // The signed peer tries to pull from the unsigned one (it speaks the diff protocol) and is
    // told the mesh is not served there; ops never cross, as they travel on other topics.
    await waitFor(() => refused.some((detail) => detail.peer.equals(a.peer.libp2p.peerId)), 'the signed peer\'s pull from the unsigned one to be refused')
    assert.match(refused.find((detail) => detail.peer.equals(a.peer.libp2p.peerId))!.error.message, /does not serve mesh/)
    signed.store.set(bytes('signed-later'), bytes('s'))
    a.store.set(bytes('unsigned-later'), bytes('u'))
    // Both kinds still sync among their own: the signed friend gets the signed writes, b the unsigned.
    await waitFor(() => signedFriend.store.has(bytes('signed-later')) && b.store.has(bytes('unsigned-later')), 'each kind to keep syncing with its own')
    await waitFor(() => converged([signed, signedFriend]) && converged([a, b]), 'each kind to converge')
    for (const key of ['signed-only', 'signed-later']) assert.equal(a.store.has(bytes(key)), false, `${key} did not reach the unsigned peer`)
    for (const key of ['unsigned-only', 'unsigned-later']) assert.equal(signed.store.has(bytes(key)), false, `${key} did not reach the signed peer`)
    // Nothing either sent was taken for malformed: they never exchanged a message.
    assert.equal(signed.peer.stats().invalidMessages, 0)
    assert.equal(a.peer.stats().invalidMessages, 0)
    assert.ok(signed.peer.isStarted() && a.peer.isStarted())
  })

  it('unsigned ops published on a signed peer\'s topic are refused and counted against the sender', async () => {
    attacker = await attackerNode({ pubsub: true })
    await joinTopic(attacker, signed)
    const before = signed.peer.stats().invalidMessages
    const forger = new MemStore('forger', { writerKeys: false })
    forger.begin()
    forger.set(bytes('slipped-in'), bytes('x'))
    await attacker.services.pubsub.publish(signed.peer.topic, encodeOps(forger.commitWithOps()))
    await waitFor(() => signed.peer.stats().invalidMessages > before, 'the signed peer to refuse the unsigned ops')
    assert.ok(signed.peer.stats().refusedByPeer[attacker.peerId.toString()]?.topicMessages >= 1, 'counted against the peer that sent them')
    assert.equal(signed.store.has(bytes('slipped-in')), false)
    assert.equal(signedFriend.store.has(bytes('slipped-in')), false, 'not forwarded either')
  })

  it('createMeshPeer refuses writerKeys that contradict the store given', async () => {
    await assert.rejects(createMeshPeer({ store: new MemStore('x'), writerKeys: false, libp2p: nodePreset({ listen: [] }) }), InvalidArgumentError)
  })
})
