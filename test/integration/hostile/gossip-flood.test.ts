import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { MemStore, encodeOps } from '../../../src/index.ts'
import { bytes, connect, startPeer, stopAll, waitFor, type TestPeer } from '../mesh-fixture.ts'
import { attackerNode, gossipOf, joinTopic, report, watchLoad } from './attacker.ts'
import type { Libp2p } from 'libp2p'

/** Garbage no decoder accepts: a wire version that does not exist. */
function garbage (): Uint8Array {
  const message = new Uint8Array(randomBytes(64 + Math.floor(Math.random() * 200)))
  message[0] = 0xee
  return message
}

describe('a peer flooding garbage on the topic is pruned and graylisted', { timeout: 120_000 }, () => {
  let victim: TestPeer
  let friend: TestPeer
  let attacker: Libp2p<any>

  before(async () => {
    victim = await startPeer()
    friend = await startPeer()
    await connect(victim, friend)
    await waitFor(() => victim.peer.stats().connectedPeers.length === 1, 'the honest peers to meet')
    attacker = await attackerNode({ pubsub: true })
    await joinTopic(attacker, victim)
    await waitFor(() => gossipOf(victim).getMeshPeers(victim.peer.topic).includes(attacker.peerId.toString()), 'the victim to graft the attacker')
  })

  after(async () => {
    await attacker.stop()
    await stopAll([victim, friend])
  })

  it('stops reading the attacker while honest writes keep crossing within 5 s', async () => {
    const id = attacker.peerId.toString()
    const gossip = gossipOf(victim)
    const load = watchLoad()
    const sent = 2000
    for (let i = 0; i < sent; i++) await attacker.services.pubsub.publish(victim.peer.topic, garbage())

    await waitFor(() => gossip.getScore(id) < gossip.opts.scoreThresholds.graylistThreshold, 'the attacker to fall below the graylist threshold', 10_000)
    await waitFor(() => !gossip.getMeshPeers(victim.peer.topic).includes(id), 'the victim to prune the attacker from its mesh', 10_000)

    // Graylisted: even a well-formed message of the attacker's is dropped unread. Gossipsub lets
    // a peer it last found in good standing send up to 128 more messages within 1 s
    // (ACCEPT_FROM_WHITELIST_*) without looking at its score again: wait that out first.
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const source = new MemStore()
    source.set(bytes('from-graylisted'), bytes('x'))
    source.begin()
    source.set(bytes('from-graylisted'), bytes('y'))
    await attacker.services.pubsub.publish(victim.peer.topic, encodeOps(source.commitWithOps()))

    victim.store.set(bytes('from-victim'), bytes('1'))
    friend.store.set(bytes('from-friend'), bytes('2'))
    await waitFor(() => friend.store.has(bytes('from-victim')) && victim.store.has(bytes('from-friend')), 'the honest writes to cross', 5000)
    const refused = victim.peer.stats().refusedByPeer[id]?.topicMessages ?? 0
    report('garbage flood on the topic', load.stop(), `, ${refused} of ${sent} messages reached the validator`)

    assert.equal(victim.store.has(bytes('from-graylisted')), false, 'the graylisted attacker\'s message was not integrated')
    assert.ok(refused > 0, 'the refusals are counted against the attacker')
    assert.ok(gossip.getScore(friend.peer.libp2p.peerId.toString()) >= 0, 'the honest peer keeps a good score')
    assert.ok(gossip.getMeshPeers(victim.peer.topic).includes(friend.peer.libp2p.peerId.toString()), 'the honest peer stays in the mesh')
  })

  it('shows the attacker, and not the honest peer, in refusedByPeer', () => {
    const { refusedByPeer } = victim.peer.stats()
    const counts = refusedByPeer[attacker.peerId.toString()]
    assert.ok(counts != null && counts.topicMessages > 0 && counts.total === counts.topicMessages, JSON.stringify(counts))
    assert.equal(counts.foreignDots, 0)
    assert.equal(refusedByPeer[friend.peer.libp2p.peerId.toString()], undefined)
    assert.deepEqual(friend.peer.stats().refusedByPeer, {}, 'the honest peer refused nothing either')
  })
})
