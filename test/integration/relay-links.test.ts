// Links to a relay heal: a relay restarted with its key file (same peer id) on the same port is
// dialled again with backoff, and a relay that moved is found again by asking the source of its
// addresses once more. Real libp2p nodes over WebSockets on 127.0.0.1.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { MemStore, RelayLinks, createMeshPeer, loadOrCreatePeerKey, nodePreset, relayPreset, type MeshPeer } from '../../src/index.ts'
import { waitFor } from './mesh-fixture.ts'

const fast = { minBackoff: 100, maxBackoff: 400, dialTimeout: 2000, minRelearnInterval: 200 }

describe('relay links', { timeout: 120_000 }, () => {
  const stops: Array<() => Promise<void>> = []
  after(async () => { for (const stop of stops.reverse()) await stop() })

  async function relay (keyFile: string, port = 0): Promise<MeshPeer> {
    const peer = await createMeshPeer({
      store: new MemStore(),
      mesh: 'links',
      libp2p: relayPreset({ listen: [`/ip4/127.0.0.1/tcp/${port}/ws`], privateKey: await loadOrCreatePeerKey(keyFile) })
    })
    await peer.start()
    return peer
  }

  async function client (): Promise<MeshPeer> {
    const peer = await createMeshPeer({ store: new MemStore(), mesh: 'links', libp2p: nodePreset({ listen: [] }), connections: false })
    await peer.start()
    stops.push(async () => { await peer.stop() })
    return peer
  }

  it('redial a relay that restarted with its key file, with growing waits while it is down', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rm-relay-links-'))
    stops.push(async () => { await rm(dir, { recursive: true, force: true }) })
    let server = await relay(join(dir, 'peer.key'))
    const address = server.libp2p.getMultiaddrs().map(String).find((a) => a.includes('/ws/'))!
    const peer = await client()
    const links = new RelayLinks(peer.libp2p, [address], fast)
    stops.push(async () => { links.stop() })
    await links.start()
    await waitFor(() => links.reachable, 'the link to come up')

    await server.stop()
    await waitFor(() => !links.reachable && links.states[0].failures >= 3, 'three dials to fail while the relay is down')
    const state = links.states[0]
    assert.equal(state.connected, false)
    assert.ok(state.nextDial != null && state.lastConnected != null, 'the state says when it was last up and when it dials next')

    const port = Number(/\/tcp\/(\d+)\//.exec(address)![1])
    server = await relay(join(dir, 'peer.key'), port)
    stops.push(async () => { await server.stop() })
    assert.equal(server.libp2p.getMultiaddrs().map(String).find((a) => a.includes('/ws/')), address, 'same key file, same port: same address')
    await waitFor(() => links.reachable, 'the link to come back by itself')
    assert.equal(links.states[0].failures, 0)
  })

  it('ask their source again when every relay is out of reach: a relay that moved is found', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rm-relay-links-'))
    stops.push(async () => { await rm(dir, { recursive: true, force: true }) })
    const first = await relay(join(dir, 'first.key'))
    const firstAddress = first.libp2p.getMultiaddrs().map(String).find((a) => a.includes('/ws/'))!
    let current = firstAddress
    let asked = 0
    const peer = await client()
    const links = new RelayLinks(peer.libp2p, () => { asked++; return [current] }, fast)
    stops.push(async () => { links.stop() })
    await links.start()
    await waitFor(() => links.reachable, 'the link to the first relay')

    await first.stop()
    const moved = await relay(join(dir, 'moved.key'))
    stops.push(async () => { await moved.stop() })
    current = moved.libp2p.getMultiaddrs().map(String).find((a) => a.includes('/ws/'))!
    await waitFor(() => links.reachable, 'the link to the relay where the source now says it is')
    assert.deepEqual(links.states.map((s) => s.address), [current], 'the address the source no longer names was dropped')
    assert.ok(asked >= 2, `the source was asked again (${asked} times)`)
  })
})
