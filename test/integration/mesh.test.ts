import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { bytes, connect, converged, dump, heal, partition, startPeer, stopAll, waitFor, type TestPeer } from './mesh-fixture.ts'

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

describe('a mesh of real peers over TCP', { timeout: 300_000 }, () => {
  const everyone: TestPeer[] = []
  after(async () => { await stopAll(everyone) })

  it('5 peers in a line converge under random writes on all of them', async () => {
    const peers = await Promise.all(Array.from({ length: 5 }, async () => await startPeer()))
    everyone.push(...peers)
    for (let i = 0; i < 4; i++) await connect(peers[i], peers[i + 1])
    const shared = Array.from({ length: 20 }, (_, i) => bytes(`shared-${i}`))
    for (let round = 0; round < 40; round++) {
      for (const { store } of peers) {
        store.set(random(16), random(64))
        store.set(shared[Math.floor(Math.random() * shared.length)], random(8))
        if (round % 7 === 0) store.delete(shared[round % shared.length])
      }
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    // Convergence, not its speed, is what this asserts: a loaded CI machine gets time.
    await waitFor(() => converged(peers), 'five peers to converge', 60_000)
    const expected = dump(peers[0].store)
    assert.ok(expected.length >= 200)
    for (const { store } of peers) assert.deepEqual(dump(store), expected)
  })

  it('two peers that meet only through a third sync both ways at once, with no new write', async () => {
    const [a, relay, b] = await Promise.all([startPeer({ antiEntropy: { interval: 600_000, jitter: 0 } }), startPeer({ antiEntropy: { interval: 600_000, jitter: 0 } }), startPeer({ antiEntropy: { interval: 600_000, jitter: 0 } })])
    everyone.push(a, relay, b)
    for (let i = 0; i < 50; i++) {
      a.store.set(bytes(`a-${i}`), random(32))
      b.store.set(bytes(`b-${i}`), random(32))
    }
    await connect(a, relay)
    await connect(b, relay)
    await waitFor(() => converged([a, relay, b]), 'a and b to get each other\'s entries through the relay', 10_000)
    assert.equal(a.store.size, 100)
    assert.equal(a.peer.libp2p.getConnections(b.peer.libp2p.peerId).length, 0, 'a and b never connected directly')
  })

  it('repairs ops a peer missed while unsubscribed from the topic', async () => {
    const [a, b] = await Promise.all([startPeer(), startPeer()])
    everyone.push(a, b)
    await connect(a, b)
    await waitFor(() => a.peer.stats().connectedPeers.length === 1 && b.peer.stats().connectedPeers.length === 1, 'the peers to see each other')
    a.store.set(bytes('before'), bytes('1'))
    await waitFor(() => b.store.has(bytes('before')), 'the first op')
    b.peer.libp2p.services.pubsub.unsubscribe(b.peer.topic)
    for (let i = 0; i < 30; i++) a.store.set(bytes(`missed-${i}`), random(16))
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.ok(b.store.size < 31, 'the ops did not arrive by gossip')
    await waitFor(() => converged([a, b]), 'anti-entropy to repair the loss', 15_000)
    assert.ok(b.peer.stats().diffRounds > 0)
  })

  it('partition and heal: both halves write the same keys, then converge with LWW and add-wins', async () => {
    const [a1, a2, b1, b2] = await Promise.all([startPeer(), startPeer(), startPeer(), startPeer()])
    everyone.push(a1, a2, b1, b2)
    await connect(a1, a2)
    await connect(b1, b2)
    await connect(a1, b1)
    a1.store.set(bytes('lww'), bytes('start'))
    a1.store.set(bytes('kept'), bytes('start'))
    await waitFor(() => [a2, b1, b2].every(({ store }) => store.has(bytes('kept'))), 'the first writes everywhere')
    await partition(a1, b1)
    b1.store.set(bytes('lww'), bytes('b-early'))
    await new Promise((resolve) => setTimeout(resolve, 20))
    a2.store.set(bytes('lww'), bytes('a-late'))
    a1.store.delete(bytes('kept'))
    b2.store.set(bytes('kept'), bytes('b-concurrent'))
    await waitFor(() => converged([a1, a2]) && converged([b1, b2]), 'each half to settle')
    assert.equal(new TextDecoder().decode(b1.store.get(bytes('lww'))), 'b-early')
    assert.equal(a1.store.has(bytes('kept')), false)
    heal(a1, b1)
    await connect(a1, b1)
    await waitFor(() => converged([a1, a2, b1, b2]), 'the halves to converge after healing')
    for (const { store } of [a1, a2, b1, b2]) {
      assert.equal(new TextDecoder().decode(store.get(bytes('lww'))), 'a-late', 'the later set wins')
      assert.equal(new TextDecoder().decode(store.get(bytes('kept'))), 'b-concurrent', 'a delete does not remove a set it had not seen')
    }
  })

  it('a late joiner gets 100,000 entries through one streamed diff in bounded frames', async () => {
    const [old, late] = await Promise.all([startPeer(), startPeer()])
    everyone.push(old, late)
    old.store.begin()
    for (let i = 0; i < 100_000; i++) old.store.set(random(16), random(128))
    old.store.commit()
    const syncs: Array<{ frames: number, bytes: number, ms: number }> = []
    late.peer.addEventListener('sync', (event) => {
      const { result, durationMs } = event.detail
      if (result.entries > 0) syncs.push({ frames: result.frames, bytes: result.bytesReceived, ms: durationMs })
    })
    await connect(late, old)
    await waitFor(() => late.store.size === 100_000, 'the late joiner to have every entry', 60_000)
    // The pull's 'sync' event follows its last frame.
    await waitFor(() => syncs.length > 0, 'the pull to end')
    assert.equal(syncs.length, 1, 'one pull brought everything')
    const [{ frames, bytes: received, ms }] = syncs
    assert.ok(frames > 100, `${frames} frames`)
    assert.ok(received / frames <= 64 * 1024, 'no frame above the 64 KiB bound')
    // Signed batches add ~1.5 % (a 130-byte proof per 64 entries, a 48-byte card per frame).
    assert.ok(received < 100_000 * 144 * 1.08, `${received} bytes on the wire for 14.4 MB of keys and values`)
    process.stdout.write(`# late joiner: 100,000 entries, ${received} bytes in ${frames} frames, ${ms.toFixed(0)} ms\n`)
    await waitFor(() => converged([old, late]), 'the two to agree')
  })
})
