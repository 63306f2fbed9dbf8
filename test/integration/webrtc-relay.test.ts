import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { WebRTC, WebSockets } from '@multiformats/multiaddr-matcher'
import { createLibp2p, type Libp2p } from 'libp2p'
import { cleanup } from 'node-datachannel'
import { MemStore, createMeshPeer, type MeshPeer } from '../../src/index.ts'
import { browserPreset } from '../../src/node/presets/browser-preset.ts'
import { relayPreset } from '../../src/node/presets/relay-preset.ts'
import { bytes, waitFor } from './mesh-fixture.ts'
import type { PeerId } from '@libp2p/interface'

const text = (value: Uint8Array | undefined): string | undefined => value == null ? undefined : new TextDecoder().decode(value)

/** A peer as a browser would run it (WebRTC, WebSockets, circuit relay), with every ICE candidate local. */
async function webrtcPeer (): Promise<MeshPeer> {
  const peer = await createMeshPeer({
    store: new MemStore(),
    mesh: 'webrtc',
    antiEntropy: { interval: 1500, jitter: 500, minTriggeredInterval: 200 },
    libp2p: browserPreset({ iceServers: [], allowPrivateAddresses: true })
  })
  await peer.start()
  return peer
}

function directTo (peer: MeshPeer, other: PeerId): boolean {
  return peer.libp2p.getConnections(other).some((connection) => connection.limits == null && connection.multiplexer === '/webrtc')
}

describe('WebRTC between two Node peers signalled through a circuit relay', { timeout: 120_000 }, () => {
  let relay: Libp2p | undefined
  const peers: MeshPeer[] = []
  after(async () => {
    await Promise.all(peers.map(async (peer) => { await peer.stop() }))
    await relay?.stop()
    // node-datachannel's native threads can hold the process open after every peer connection
    // closed; once every WebRTC node of the process stopped, release them.
    cleanup()
  })

  it('connect directly, sync both ways at once, and keep syncing after the relay stops', async () => {
    relay = await createLibp2p(relayPreset({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] }))
    const relayAddress = relay.getMultiaddrs().find((ma) => WebSockets.matches(ma))
    assert.ok(relayAddress != null, 'the relay listens on WebSockets')
    const [a, b] = await Promise.all([webrtcPeer(), webrtcPeer()])
    peers.push(a, b)
    a.store.set(bytes('written-on-a-before'), bytes('a'))
    b.store.set(bytes('written-on-b-before'), bytes('b'))

    await Promise.all([a.dial(relayAddress), b.dial(relayAddress)])
    await waitFor(() => b.libp2p.getMultiaddrs().some((ma) => WebRTC.exactMatch(ma)), 'b to hold a relay reservation and a WebRTC address')
    const bAddress = b.libp2p.getMultiaddrs().find((ma) => WebRTC.exactMatch(ma))!
    const connection = await a.dial(bAddress, { timeout: 10_000 })
    assert.equal(connection.multiplexer, '/webrtc')
    assert.equal(connection.limits, undefined, 'a direct connection, not a limited relayed one')
    process.stdout.write(`# webrtc dial: ${a.stats().dialRetries} retries\n`)

    await waitFor(() => a.store.has(bytes('written-on-b-before')) && b.store.has(bytes('written-on-a-before')), 'the entries written before they met to cross both ways', 60_000)
    a.store.set(bytes('live'), bytes('from-a'))
    await waitFor(() => text(b.store.get(bytes('live'))) === 'from-a', 'a write on a to reach b')

    await relay.stop()
    await waitFor(() => a.libp2p.getConnections(relay!.peerId).length === 0 && b.libp2p.getConnections(relay!.peerId).length === 0, 'the relay connections to close')
    assert.ok(directTo(a, b.libp2p.peerId) && directTo(b, a.libp2p.peerId), 'the WebRTC connection outlives the relay')

    a.store.set(bytes('after-relay-a'), bytes('1'))
    b.store.set(bytes('after-relay-b'), bytes('2'))
    b.store.set(bytes('live'), bytes('from-b'))
    await waitFor(() => a.store.has(bytes('after-relay-b')) && b.store.has(bytes('after-relay-a')), 'writes to cross without the relay')
    await waitFor(() => text(a.store.get(bytes('live'))) === 'from-b', 'the later write to win on a')
    assert.deepEqual(a.store.stateHash(), b.store.stateHash())
    assert.equal(a.stats().dialFailures, 0)
  })
})
