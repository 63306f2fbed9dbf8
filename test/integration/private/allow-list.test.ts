import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { InvalidArgumentError, MemStore, createMeshPeer, generateMeshKey, nodePreset, relayPreset } from '../../../src/index.ts'
import { captureLog } from '../log-capture.ts'
import { bytes, waitFor } from '../mesh-fixture.ts'
import { startPrivatePeer, type PrivatePeer } from './private-fixture.ts'

describe('allow-lists', { timeout: 60_000 }, () => {
  const peers: PrivatePeer[] = []
  after(async () => {
    await Promise.all(peers.map(async ({ peer }) => { await peer.stop() }))
  })

  for (const keyed of [false, true]) {
    it(`refuse every connection with a peer not on the list, either way, ${keyed ? 'with' : 'without'} a mesh key`, async () => {
      const meshKey = keyed ? generateMeshKey() : undefined
      const [keyA, keyB] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
      const allow = [peerIdFromPrivateKey(keyA).toString(), peerIdFromPrivateKey(keyB)]
      const a = await startPrivatePeer({ privateKey: keyA, allow, meshKey })
      const b = await startPrivatePeer({ privateKey: keyB, allow, meshKey })
      // The outsider even holds the key: the list alone keeps it out.
      const outsider = await startPrivatePeer({ meshKey })
      peers.push(a, b, outsider)
      a.store.set(bytes('listed'), bytes('secret-of-the-listed'))

      // Refused once Noise named the outsider: its own dial may already have completed, and is cut at once.
      await outsider.peer.libp2p.dial(a.peer.libp2p.getMultiaddrs()[0], { signal: AbortSignal.timeout(10_000) }).catch(() => undefined)
      await waitFor(() => outsider.peer.libp2p.getConnections(a.peer.libp2p.peerId).length === 0, 'the inbound connection from the outsider to be refused', 5000)
      await assert.rejects(a.peer.libp2p.dial(outsider.peer.libp2p.getMultiaddrs()[0], { signal: AbortSignal.timeout(10_000) }), 'a dial to the outsider is refused')
      await assert.rejects(a.peer.libp2p.dial(outsider.peer.libp2p.peerId, { signal: AbortSignal.timeout(10_000) }), 'a dial to the outsider by id is refused')
      await a.peer.dial(b.peer.libp2p.getMultiaddrs()[0])
      await waitFor(() => b.store.has(bytes('listed')), 'the listed peers to sync')
      assert.equal(outsider.store.size, 0)
      assert.ok(!outsider.received.includes('secret-of-the-listed'), 'the outsider received no plaintext')
      assert.equal(a.peer.libp2p.getConnections(outsider.peer.libp2p.peerId).length, 0)
    })
  }

  it('checks the list, and a node already made cannot take one', async () => {
    await assert.rejects(createMeshPeer({ store: new MemStore(), allow: ['not a peer id'], libp2p: nodePreset() }), InvalidArgumentError)
    const made = await startPrivatePeer({ meshKey: generateMeshKey() })
    peers.push(made)
    await assert.rejects(createMeshPeer({ store: new MemStore(), allow: [], libp2p: made.peer.libp2p }), InvalidArgumentError)
    // A node or options that prove a key need the peer to seal with it, and with no other.
    await assert.rejects(createMeshPeer({ store: new MemStore(), libp2p: made.peer.libp2p }), InvalidArgumentError)
    const keyed = relayPreset({ meshKey: generateMeshKey() })
    await assert.rejects(createMeshPeer({ store: new MemStore(), libp2p: keyed }), InvalidArgumentError)
    await assert.rejects(createMeshPeer({ store: new MemStore(), meshKey: generateMeshKey(), libp2p: keyed }), InvalidArgumentError)
  })

  it('an open mesh says so once in its log; a private one does not', async () => {
    const log = captureLog()
    const open = await createMeshPeer({ store: new MemStore(), libp2p: { ...nodePreset({ listen: ['/ip4/127.0.0.1/tcp/0'] }), logger: log.logger } })
    const keyed = await createMeshPeer({ store: new MemStore(), meshKey: generateMeshKey(), libp2p: { ...nodePreset({ listen: ['/ip4/127.0.0.1/tcp/0'] }), logger: log.logger } })
    const warnings = log.errors.filter((line) => line.includes('this mesh is open'))
    assert.equal(warnings.length, 1, warnings.join('\n'))
    await open.stop()
    await keyed.stop()
  })
})
