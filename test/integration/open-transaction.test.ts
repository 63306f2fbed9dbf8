import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { bytes, connect, startPeer, stopAll, waitFor, type TestPeer } from './mesh-fixture.ts'

describe('ops that arrive while the app holds a transaction open', { timeout: 60_000 }, () => {
  const everyone: TestPeer[] = []
  after(async () => { await stopAll(everyone) })

  it('wait for the commit, then all of them are integrated, with no further message', async () => {
    // No periodic pulls: only the queued ops can bring the writes over.
    const quiet = { antiEntropy: { interval: 600_000, jitter: 0 } }
    const [a, b] = await Promise.all([startPeer(quiet), startPeer(quiet)])
    everyone.push(a, b)
    await connect(a, b)
    await waitFor(() => a.peer.stats().connectedPeers.length === 1 && b.peer.stats().connectedPeers.length === 1, 'the peers to see each other')
    a.store.set(bytes('warm-up'), bytes('0'))
    await waitFor(() => b.store.has(bytes('warm-up')), 'gossip to flow')

    const before = b.peer.stats().opsReceived
    b.store.begin()
    b.store.set(bytes('local'), bytes('in the transaction'))
    for (let i = 0; i < 5; i++) {
      a.store.set(bytes(`remote-${i}`), bytes(String(i)))
      // Apart, so that each goes out as its own message.
      await new Promise((resolve) => setTimeout(resolve, 30))
    }
    await waitFor(() => b.peer.stats().opsReceived >= before + 5, 'the five messages to arrive')
    assert.equal(b.store.has(bytes('remote-0')), false, 'nothing is integrated into an open transaction')
    b.store.commit()
    await waitFor(() => [0, 1, 2, 3, 4].every((i) => b.store.has(bytes(`remote-${i}`))), 'every queued op after the commit', 5_000)
  })
})
