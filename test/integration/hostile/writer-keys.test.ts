import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { ClockSet, MemStore, WriterKey, decodeOps, encodeDiff, encodeOps, type EquivocationDetail, type Op } from '../../../src/index.ts'
import type { Libp2p } from 'libp2p'
import { signedDelete } from '../../fuzz/writers.ts'
import { bytes, connect, converged, startPeer, stopAll, waitFor, type TestPeer } from '../mesh-fixture.ts'
import { attackerNode, joinTopic } from './attacker.ts'
import { serveFrames, writesCross } from './store-attack-fixture.ts'

// The attacks of issue 17 ("writers bound to keys"), mounted by a member over real nodes. The
// honest writer and the victim meet only through the hostile member, which relays everything
// (gossipsub forwards, its diff protocol serves), and tries to write as the writer, to slip a
// forged entry in by a diff, and to kill the writer's future writes.
//
//   writer ── member ── victim        (no direct link: everything goes through the member)

function setOf (ops: readonly Op[]): Extract<Op, { kind: 'set' }> {
  const set = ops.find((op) => op.kind === 'set')
  assert.ok(set?.kind === 'set')
  return set
}

describe('writers bound to keys: a member that lies, over real nodes', { timeout: 120_000 }, () => {
  let writer: TestPeer
  let member: TestPeer
  let victim: TestPeer
  const servers: Array<Libp2p<any>> = []
  /** What the writer published: real, signed ops to forge from. */
  const published: Op[][] = []

  before(async () => {
    writer = await startPeer({}, new MemStore('writer'))
    member = await startPeer({}, new MemStore('member'))
    victim = await startPeer({}, new MemStore('victim'))
    writer.blocked.add(victim.peer.libp2p.peerId.toString())
    victim.blocked.add(writer.peer.libp2p.peerId.toString())
    writer.store.addEventListener('ops', (event) => { published.push([...event.ops]) })
    await connect(writer, member)
    await connect(victim, member)
    writer.store.set(bytes('w1'), bytes('1'))
    await waitFor(() => victim.store.has(bytes('w1')), 'the writer\'s first write to reach the victim through the member')
  })

  after(async () => {
    await Promise.all(servers.map(async (node) => { await node.stop() }))
    await stopAll([writer, member, victim])
  })

  it('1. no member writes as another on the topic: a changed or re-signed op of the writer is refused, and relaying still works', async () => {
    const original = published.at(-1)!
    const set = setOf(original)
    const invalidBefore = victim.peer.stats().invalidMessages
    const pubsub = member.peer.libp2p.services.pubsub
    // The writer's op with another value: its signature no longer covers it.
    const changed: Op[] = [{ ...set, key: bytes('forged-1'), value: bytes('evil') }]
    await pubsub.publish(member.peer.topic, encodeOps(changed))
    // The writer's dot, signed by the member's own key (under the writer's card or its own).
    const own = new MemStore('forger', { writer: WriterKey.generateSync()! })
    const forged = own.insertWithOp(bytes('forged-2'), bytes('evil'))
    const asWriter = { ...forged, dot: { replica: writer.store.replicaId, seq: 2 } } as Op
    await pubsub.publish(member.peer.topic, encodeOps([asWriter]))
    const withCard = decodeOps(encodeOps([forged])).map((op) => ({ ...op, batch: { ...op.batch!, card: set.batch!.card } }))
    await pubsub.publish(member.peer.topic, encodeOps(withCard))
    await waitFor(() => victim.peer.stats().invalidMessages >= invalidBefore + 3, 'the victim to refuse the three forgeries')
    assert.equal(victim.store.has(bytes('forged-1')), false)
    assert.equal(victim.store.has(bytes('forged-2')), false)
    assert.equal(victim.store.hasSeen({ replica: writer.store.replicaId, seq: 2 }), false, 'the writer\'s next seq is still free')
    assert.ok(victim.peer.stats().refusedByPeer[member.peer.libp2p.peerId.toString()]?.topicMessages >= 3, 'counted against the member that sent them')
    // The member still relays the writer's real writes, both ways.
    await writesCross([writer, victim], 'through the member')
  })

  it('2. no member writes as another through a diff: the puller refuses the frame, and the writer\'s own seq is untouched', async () => {
    const server = await attackerNode({})
    servers.push(server)
    const id = writer.store.replicaId
    const set = setOf(published.at(-1)!)
    const poisoned = encodeDiff({
      needsFullRequest: false,
      groups: [{
        replica: id,
        // The writer's real card, with a proof that its key never signed.
        card: set.batch!.card,
        proofs: [{ first: 50, count: 1, salt: randomBytes(16), removalsDigest: randomBytes(32), leaves: new Uint8Array(16), signature: randomBytes(64) }],
        entries: [{ key: bytes('forged-3'), value: bytes('evil'), seq: 50, hlc: { wall: Date.now(), counter: 0 } }]
      }]
    })
    await serveFrames(server, () => [poisoned])
    for (const puller of [victim, writer]) {
      await server.dial(puller.peer.libp2p.getMultiaddrs()[0])
      await waitFor(() => puller.peer.stats().connectedPeers.includes(server.peerId.toString()), 'the puller to take the server for a mesh peer')
      await puller.peer.syncWith(server.peerId)
      // The pull on connect and this one: each failed, the frame refused whole.
      assert.ok(puller.peer.stats().diffFailures >= 1, 'the pull failed: the frame was refused whole')
      assert.equal(puller.store.has(bytes('forged-3')), false)
      assert.equal(puller.store.hasSeen({ replica: id, seq: 50 }), false)
      assert.ok(puller.peer.stats().refusedByPeer[server.peerId.toString()]?.diffFrames >= 1, 'counted against the server')
    }
    // The writer did not adopt seq 50 as its own: its next write takes the next seq it owns.
    let seq = 0
    writer.store.addEventListener('ops', (event) => { seq = setOf(event.ops).dot.seq }, { once: true })
    await writesCross([writer, victim], 'after the forged diff')
    assert.ok(seq > 1 && seq < 50, `the writer's next write took seq ${seq}`)
  })

  it('3. no member pre-kills future writes: guessed removals never take effect, deaths above what the key attested are refused', async () => {
    const id = writer.store.replicaId
    const next = victim.store.requestDiff().replicas!.find((r) => r.replica === id)!.seen.max()! + 1
    // Removals of the next 200 seqs, signed by the member (a tag it can only guess), on the topic.
    const guesses = Array.from({ length: 200 }, (_, i) => ({ replica: id, seq: next + i }))
    const opsBefore = victim.peer.stats().opsReceived
    // From a node of its own: the member's forgeries of test 1 got it graylisted by the victim.
    const sender = await attackerNode({ pubsub: true })
    servers.push(sender)
    await joinTopic(sender, victim)
    await sender.services.pubsub.publish(victim.peer.topic, encodeOps(signedDelete(WriterKey.generateSync()!, bytes('x'), guesses, () => randomBytes(8))))
    await waitFor(() => victim.peer.stats().opsReceived > opsBefore, 'the removals to reach the victim')
    // And a diff declaring them dead, from a server the victim pulls.
    const server = await attackerNode({})
    servers.push(server)
    const deaths = new ClockSet()
    deaths.addRange(next, next + 200)
    await serveFrames(server, () => [encodeDiff({ needsFullRequest: false, groups: [{ replica: id, entries: [], deaths }] })])
    await server.dial(victim.peer.libp2p.getMultiaddrs()[0])
    await waitFor(() => victim.peer.stats().connectedPeers.includes(server.peerId.toString()), 'the victim to take the server for a mesh peer')
    const refusedBefore = victim.peer.stats().deathsRefused
    await victim.peer.syncWith(server.peerId)
    assert.equal(victim.store.hasSeen({ replica: id, seq: next }), false, 'no death above what the writer\'s key attested was taken')
    // Counted once per answer that claimed them (the server answers every request alike).
    assert.ok(victim.peer.stats().deathsRefused > refusedBefore, 'the lie is counted')
    assert.ok((victim.peer.stats().refusedByPeer[server.peerId.toString()]?.deaths ?? 0) >= 1, 'against the peer that told it')
    // The writer writes those seqs now: every one of them lives everywhere.
    const keys = Array.from({ length: 5 }, (_, i) => bytes(`later-${i}`))
    for (const key of keys) writer.store.set(key, bytes('alive'))
    await waitFor(() => keys.every((key) => victim.store.has(key) && member.store.has(key)), 'the writer\'s new writes to live everywhere')
    await waitFor(() => converged([writer, member, victim]), 'the three to converge')
  })

  it('4. equivocation: two entries signed for one dot are reported, and every peer ends with the same choice', async () => {
    const key = WriterKey.generateSync()!
    // Two copies of one data directory: the same key and nonce, each writing its seq 1.
    const copy1 = await startPeer({}, new MemStore('copy1', { writer: key }))
    const copy2 = await startPeer({}, new MemStore('copy2', { writer: key }))
    try {
      const reports: EquivocationDetail[] = []
      victim.peer.addEventListener('equivocation', (event) => { reports.push(event.detail) })
      await connect(copy1, victim)
      await connect(copy2, victim)
      // Both versions travel as ops here (the gossip path; the next test shows them by pull alone).
      const meshed = (copy: TestPeer): boolean => (copy.peer.libp2p.services.pubsub as unknown as { getMeshPeers: (topic: string) => string[] }).getMeshPeers(copy.peer.topic).includes(victim.peer.libp2p.peerId.toString())
      await waitFor(() => meshed(copy1) && meshed(copy2), 'both copies to have the victim in their gossip mesh')
      copy1.store.set(bytes('copy-1'), bytes('one'))
      copy2.store.set(bytes('copy-2'), bytes('two'))
      await waitFor(() => victim.peer.stats().equivocations >= 1, 'the victim to see both versions of the dot')
      assert.deepEqual(reports[0], { replica: key.replicaId, seq: 1, peer: reports[0].peer })
      const everyone = [writer, member, victim, copy1, copy2]
      await waitFor(() => converged(everyone), 'every peer to converge')
      for (const peer of everyone) assert.equal(peer.store.has(bytes('copy-1')) || peer.store.has(bytes('copy-2')), false, 'neither version lives anywhere')
    } finally {
      await stopAll([copy1, copy2])
    }
  })

  it('4. equivocation by pull alone: two peers each holding a different signed version of one dot converge to the same choice, each reporting the writer', async () => {
    const key = WriterKey.generateSync()!
    // Two copies of one data directory write seq 1 each; each version reaches one store only, before any peer starts.
    const one = new MemStore('copy1', { writer: key }).insertWithOp(bytes('pulled-x'), bytes('one'))
    const two = new MemStore('copy2', { writer: key }).insertWithOp(bytes('pulled-x'), bytes('two'))
    const storeA = new MemStore('a')
    const storeB = new MemStore('b')
    storeA.integrateOps(decodeOps(encodeOps([one])))
    storeB.integrateOps(decodeOps(encodeOps([two])))
    assert.notDeepEqual(storeA.stateHash(), storeB.stateHash(), 'the same dot, different contents: the hashes differ')
    const a = await startPeer({}, storeA)
    const b = await startPeer({}, storeB)
    try {
      const reports: EquivocationDetail[] = []
      b.peer.addEventListener('equivocation', (event) => { reports.push(event.detail) })
      // No op of either version is ever published again: only pulls can show them to each other.
      await connect(a, b)
      await waitFor(() => a.peer.stats().connectedPeers.includes(b.peer.libp2p.peerId.toString()), 'a to take b for a mesh peer')
      await a.peer.syncWith(b.peer.libp2p.peerId)
      await b.peer.syncWith(a.peer.libp2p.peerId)
      await waitFor(() => converged([a, b]), 'the two to converge')
      assert.equal(a.peer.stats().equivocations, 1)
      assert.equal(b.peer.stats().equivocations, 1)
      assert.deepEqual([reports[0].replica, reports[0].seq], [key.replicaId, 1])
      for (const peer of [a, b]) assert.equal(peer.store.has(bytes('pulled-x')), false, 'neither version lives')
    } finally {
      await stopAll([a, b])
    }
  })
})
