import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { BrowserDiscovery } from '../../../src/index.ts'
import { startPeer, stopAll, waitFor, type TestPeer } from '../mesh-fixture.ts'
import { attackerNode } from './attacker.ts'
import type { Libp2p } from 'libp2p'
import type { GossipSub } from '@libp2p/gossipsub'

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
const someoneElse = peerIdFromString('12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf')

// A mesh member's discovery service (a relay's, a Node.js peer's) reads announcements that any
// peer on the topic publishes: none may make it dial an address its publisher does not own, hold
// more than the documented bounds, or go uncounted.
describe('discovery announcements from a hostile peer', { timeout: 120_000 }, () => {
  let victim: TestPeer
  let discovery: BrowserDiscovery
  let attacker: Libp2p<any>

  before(async () => {
    victim = await startPeer()
    discovery = new BrowserDiscovery(victim.peer.libp2p, { topic: victim.peer.topic, announce: false, dial: true })
    discovery.start()
    attacker = await attackerNode({ pubsub: true })
    const pubsub: GossipSub = attacker.services.pubsub
    pubsub.subscribe(discovery.topic)
    await attacker.dial(victim.peer.libp2p.getMultiaddrs()[0])
    await waitFor(() => pubsub.getSubscribers(discovery.topic).some((p) => p.equals(victim.peer.libp2p.peerId)), 'the victim\'s discovery subscription to reach the attacker')
    await waitFor(() => victim.peer.libp2p.services.pubsub.getSubscribers(discovery.topic).some((p) => p.equals(attacker.peerId)), 'the attacker\'s subscription to reach the victim')
  })

  after(async () => {
    discovery.stop()
    await attacker.stop()
    await stopAll([victim])
  })

  it('takes an honest announcement, refuses and counts every malformed one, and dials nobody for them', async () => {
    const pubsub: GossipSub = attacker.services.pubsub
    // A Node.js peer saying it is there: no address, nothing to dial.
    await pubsub.publish(discovery.topic, json({ addrs: [] }))
    await waitFor(() => discovery.stats.announcementsReceived === 1, 'the honest announcement')

    const attacks = [
      new Uint8Array(5000), // beyond MAX_ANNOUNCEMENT_BYTES, refused before it is parsed
      new TextEncoder().encode('{"addrs": ['), // not JSON
      json({ addrs: Array.from({ length: 9 }, () => `/ip4/127.0.0.1/tcp/1/p2p/${attacker.peerId.toString()}/p2p-circuit/webrtc/p2p/${attacker.peerId.toString()}`) }), // too many
      // Someone else's address: a victim that took it would dial a third party for the attacker.
      json({ addrs: [`/ip4/127.0.0.1/tcp/1/p2p/${attacker.peerId.toString()}/p2p-circuit/webrtc/p2p/${someoneElse.toString()}`] }),
      json({ addrs: ['/ip4/10.0.0.1/tcp/22'] }), // not a WebRTC address
      json({ addrs: ['not a multiaddr'] })
    ]
    for (const data of attacks) await pubsub.publish(discovery.topic, data)
    await waitFor(() => discovery.stats.announcementsRefused === attacks.length, 'every malformed announcement to be refused')

    assert.equal(discovery.refusedByPeer()[attacker.peerId.toString()]?.topicMessages, attacks.length, 'counted against the peer that sent them')
    assert.equal(discovery.stats.announcementsReceived, 1, 'none of them was taken')
    assert.equal(discovery.stats.dials, 0, 'nothing was dialled for them')
  })
})
