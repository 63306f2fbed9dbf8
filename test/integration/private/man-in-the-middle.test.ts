import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { DiffRefusedError, MemStore, PROOF_PROTOCOL, diffSync, generateMeshKey } from '../../../src/index.ts'
import { waitFor } from '../mesh-fixture.ts'
import { startPrivatePeer, type PrivatePeer } from './private-fixture.ts'
import type { Stream } from '@libp2p/interface'

/** Copies every byte of `from` to `to` until `from` ends. */
async function pipe (from: Stream, to: Stream): Promise<void> {
  try {
    for await (const chunk of from) to.send(chunk)
    await to.close()
  } catch (err: any) {
    to.abort(err)
  }
}

describe('a man in the middle relaying a member\'s proof', { timeout: 60_000 }, () => {
  const meshKey = generateMeshKey()
  const members: PrivatePeer[] = []
  let mallory: Libp2p<any> | undefined

  after(async () => {
    await Promise.all(members.map(async ({ peer }) => { await peer.stop() }))
    await mallory?.stop()
  })

  it('is refused by both members: a proof names the two peers it was made between', async () => {
    const alice = await startPrivatePeer({ meshKey, proofTimeout: 4000 })
    const carol = await startPrivatePeer({ meshKey, proofTimeout: 4000 })
    members.push(alice, carol)
    // Mallory holds no key. When Alice proves herself to him, he passes her stream on to Carol,
    // byte for byte, as if the proof were his own.
    const node = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), diffSync: diffSync() }
    })
    mallory = node
    let relayed = 0
    await node.handle(PROOF_PROTOCOL, async (fromAlice) => {
      const toCarol = await node.dialProtocol(carol.peer.libp2p.peerId, PROOF_PROTOCOL)
      relayed++
      await Promise.all([pipe(fromAlice, toCarol), pipe(toCarol, fromAlice)])
    })
    await node.dial(carol.peer.libp2p.getMultiaddrs()[0])
    await alice.peer.libp2p.dial(node.getMultiaddrs()[0])

    await waitFor(() => relayed > 0, 'Mallory to relay Alice\'s proof to Carol')
    const pull = node.services.diffSync.pull(carol.peer.libp2p.peerId, 'test', new MemStore())
    await assert.rejects(pull, (err: any) => !(err instanceof DiffRefusedError) || err.reason === 'not-a-member', 'Carol serves Mallory nothing')
    await waitFor(() => carol.peer.libp2p.services.meshProof!.stats().refused > 0, 'Carol to refuse Mallory')
    await waitFor(() => alice.peer.libp2p.services.meshProof!.stats().refused > 0, 'Alice to refuse Mallory')
    assert.equal(carol.peer.libp2p.services.meshProof!.isMember(node.peerId), false)
    assert.equal(alice.peer.libp2p.services.meshProof!.isMember(node.peerId), false)
    assert.deepEqual(carol.peer.stats().connectedPeers, [], 'Carol never took Mallory for a mesh peer')
    await waitFor(() => node.getConnections().length === 0, 'both members to hang up on Mallory')
  })
})
