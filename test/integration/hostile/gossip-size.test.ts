import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { MemStore, encodeOps, maxInboundRpcBytes } from '../../../src/index.ts'
import { bytes, connect, startPeer, stopAll, waitFor, type TestPeer } from '../mesh-fixture.ts'
import { attackerNode, gossipOf, joinTopic, report, watchLoad } from './attacker.ts'
import type { Libp2p } from 'libp2p'

const KiB = 1024
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

/** A well-formed ops message setting each key to a random value of `valueBytes`. */
function opsMessage (keys: string[], valueBytes: number): Uint8Array {
  const source = new MemStore()
  source.begin()
  for (const key of keys) source.set(bytes(key), random(valueBytes))
  return encodeOps(source.commitWithOps())
}

describe('gossip message size: a peer reads no more than the mesh sends', { timeout: 120_000 }, () => {
  const attackers: Libp2p[] = []
  let victim: TestPeer
  let friend: TestPeer

  before(async () => {
    victim = await startPeer()
    friend = await startPeer()
    await connect(victim, friend)
    await waitFor(() => victim.peer.stats().connectedPeers.length === 1, 'the honest peers to meet')
  })

  after(async () => {
    await Promise.all(attackers.map(async (node) => { await node.stop() }))
    await stopAll([victim, friend])
  })

  it('reads gossipsub RPCs of at most maxMessageBytes + 256 KiB', () => {
    assert.equal(gossipOf(victim).opts.maxInboundDataLength, maxInboundRpcBytes(256 * KiB))
    assert.equal(maxInboundRpcBytes(256 * KiB), 512 * KiB)
  })

  it('drops a 3 MiB message at decode, and still takes a 200 KiB one from an honest peer', async () => {
    const attacker = await attackerNode({ pubsub: true })
    attackers.push(attacker)
    await joinTopic(attacker, victim)
    const message = opsMessage(['big-1', 'big-2', 'big-3'], 1000 * KiB)
    assert.ok(message.byteLength > 3 * 1000 * KiB, 'the message is 3 MB')
    const load = watchLoad()
    await attacker.services.pubsub.publish(victim.peer.topic, message)

    const before = victim.peer.stats()
    friend.store.set(bytes('honest-200k'), random(200 * KiB))
    await waitFor(() => victim.store.has(bytes('honest-200k')), 'the honest 200 KiB write to cross')
    const after = victim.peer.stats()
    report('3 MiB gossip message', load.stop())
    assert.ok(after.topicBytesReceived - before.topicBytesReceived >= 200 * KiB, 'the honest write came by gossip')
    assert.ok(after.opsReceived > before.opsReceived)
    for (const key of ['big-1', 'big-2', 'big-3']) assert.equal(victim.store.has(bytes(key)), false, `${key} was not integrated`)
    // Gossipsub ends the stream an oversized RPC came on, and forgets the peer that sent it.
    await waitFor(() => !victim.peer.libp2p.services.pubsub.getPeers().some((p) => p.equals(attacker.peerId)), 'the victim\'s gossipsub to drop the attacker')
  })

  it('rejects a message within the RPC limit but beyond maxMessageBytes, and counts it against its sender', async () => {
    const attacker = await attackerNode({ pubsub: true })
    attackers.push(attacker)
    await joinTopic(attacker, victim)
    await attacker.services.pubsub.publish(victim.peer.topic, opsMessage(['over-256k'], 300 * KiB))
    const id = attacker.peerId.toString()
    await waitFor(() => (victim.peer.stats().refusedByPeer[id]?.topicMessages ?? 0) === 1, 'the victim to refuse the message')
    assert.equal(victim.store.has(bytes('over-256k')), false)
    // Gossipsub caches a score for a heartbeat.
    await waitFor(() => gossipOf(victim).getScore(id) < 0, 'the sender to be scored down', 5000)
    assert.equal(victim.peer.stats().refusedByPeer[friend.peer.libp2p.peerId.toString()], undefined, 'the honest peer is not counted')
  })

  it('sends a value too large for a message by a pull instead', async () => {
    const sentBefore = friend.peer.stats().topicBytesSent
    friend.store.set(bytes('honest-1m'), random(1000 * KiB))
    await waitFor(() => victim.store.has(bytes('honest-1m')), 'the 1 MB value to reach the victim')
    assert.ok(friend.peer.stats().topicBytesSent - sentBefore < 256 * KiB, 'it did not go out on the topic')
  })
})
