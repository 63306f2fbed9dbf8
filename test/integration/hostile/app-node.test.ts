import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { MemStore, createMeshPeer, maxInboundRpcBytes, type MeshLibp2p, type MeshPeer } from '../../../src/index.ts'
import { bytes, connect, startPeer, stopAll, waitFor, type TestPeer } from '../mesh-fixture.ts'
import { attackerNode, joinTopic } from './attacker.ts'
import type { Libp2p } from 'libp2p'

/** A node as an app would make it, with gossipsub's own defaults: no inbound limit set, default scoring. */
async function appNode (inboundLimit?: number): Promise<MeshLibp2p> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, maxInboundDataLength: inboundLimit }) }
  }) as unknown as MeshLibp2p
}

describe('a mesh peer on an app\'s own gossipsub node', { timeout: 120_000 }, () => {
  let node: MeshLibp2p
  let peer: MeshPeer
  let friend: TestPeer
  let attacker: Libp2p<any> | undefined
  const appStore = new MemStore()

  before(async () => {
    // An app limit below what the mesh sends is raised to fit it.
    node = await appNode(64 * 1024)
    await node.start()
    peer = await createMeshPeer({ store: appStore, mesh: 'test', libp2p: node })
    await peer.start()
    friend = await startPeer()
  })

  after(async () => {
    await attacker?.stop()
    await peer.stop()
    await node.stop()
    await stopAll([friend])
  })

  it('scores the mesh topic, fits the inbound limit, and syncs', async () => {
    const opts = (node.services.pubsub as any).opts
    assert.ok(opts.scoreParams.topics[peer.topic] != null, 'the topic is scored')
    assert.equal(opts.maxInboundDataLength, maxInboundRpcBytes(256 * 1024))
    await peer.dial(friend.peer.libp2p.getMultiaddrs()[0])
    friend.store.set(bytes('to-app'), new Uint8Array(randomBytes(200 * 1024)))
    peer.store.set(bytes('from-app'), bytes('1'))
    await waitFor(() => peer.store.has(bytes('to-app')) && friend.store.has(bytes('from-app')), 'writes to cross both ways')
  })

  it('scores down and counts a peer that sends it garbage', async () => {
    attacker = await attackerNode({ pubsub: true })
    await joinTopic(attacker, { peer, store: appStore, blocked: new Set() })
    for (let i = 0; i < 5; i++) await attacker.services.pubsub.publish(peer.topic, Uint8Array.of(0xee, 1, 2, 3))
    const id = attacker.peerId.toString()
    await waitFor(() => peer.stats().refusedByPeer[id]?.topicMessages === 5, 'the garbage to be refused')
    await waitFor(() => (node.services.pubsub as any).getScore(id) < -80, 'the attacker to be graylisted', 5000)
  })
})
