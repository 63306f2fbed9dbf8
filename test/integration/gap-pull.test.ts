import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { connect, startPeer, stopAll, waitFor, type TestPeer } from './mesh-fixture.ts'
import { MemStore, type Op } from '../../src/index.ts'
import { encodeOps } from '../../src/protocols/wire/ops-codec.ts'

/** A writer's ops, seqs 1..count, one key each (starting with `tag`). */
function opsOf (tag: number, count: number): { writer: MemStore, ops: Op[] } {
  const writer = new MemStore()
  const ops = Array.from({ length: count }, (_, i) => writer.insertWithOp(Uint8Array.of(tag, i >> 8, i & 255), new Uint8Array(32).fill(i & 255)))
  return { writer, ops }
}

describe('a gap pull between real peers', { timeout: 120_000 }, () => {
  const everyone: TestPeer[] = []
  after(async () => { await stopAll(everyone) })

  it('asks only for the writer whose op gossip lost, not for what else the neighbour has', async () => {
    // No periodic pulls and no announcements during the test: only the gap pulls.
    const quiet = { antiEntropy: { interval: 600_000, jitter: 0, minTriggeredInterval: 100 }, announce: { settleMs: 600_000 }, gapGraceMs: 50 }
    const [a, b] = await Promise.all([startPeer(quiet), startPeer(quiet)])
    everyone.push(a, b)
    await connect(b, a)
    await waitFor(() => a.peer.stats().connectedPeers.length === 1 && b.peer.stats().connectedPeers.length === 1 && b.peer.stats().diffRounds >= 1, 'the connect pulls')
    const pubsub = a.peer.libp2p.services.pubsub
    await waitFor(() => pubsub.getSubscribers(a.peer.topic).length === 1, 'b to subscribe')

    // a holds all of w's ops and much of another writer's, which b has never heard of.
    const w = opsOf(1, 3)
    const other = opsOf(2, 500)
    a.store.integrateOps(w.ops)
    a.store.integrateOps(other.ops)
    const pulledBefore = b.peer.stats().diffBytesReceived

    // Gossip brings b w's seqs 1 and 3 only: seq 2 is a gap.
    await pubsub.publish(a.peer.topic, encodeOps([w.ops[0], w.ops[2]]))
    await waitFor(() => b.store.size === 3, 'the gap to be filled by a pull', 20_000)

    assert.ok(b.store.has(w.ops[1].key), 'the lost op arrived')
    assert.ok(!b.store.has(other.ops[0].key), 'the other writer\'s entries were not pulled')
    const pulled = b.peer.stats().diffBytesReceived - pulledBefore
    assert.ok(pulled < 1000, `a gap pull of one op brought ${pulled} bytes`)
  })
})
