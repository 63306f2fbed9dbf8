import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { MemStore, diffSync, type DiffStore, type DiffSync } from '../../src/index.ts'
import type { Diff } from '../../src/index.ts'

/** A store whose integration is slow and async, as a persistent store's is: a few ms per frame. */
class SlowStore implements DiffStore {
  readonly inner: MemStore
  readonly delayMs: number
  frames = 0
  constructor (inner: MemStore, delayMs: number) {
    this.inner = inner
    this.delayMs = delayMs
  }

  get inTransaction (): boolean { return this.inner.inTransaction }
  requestDiff (options?: { summary?: boolean }): ReturnType<MemStore['requestDiff']> { return this.inner.requestDiff(options) }
  buildDiffFrames (...args: Parameters<MemStore['buildDiffFrames']>): ReturnType<MemStore['buildDiffFrames']> { return this.inner.buildDiffFrames(...args) }
  async integrateDiff (diff: Diff): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs))
    this.inner.integrateDiff(diff)
    this.frames++
  }
}

async function diffNode (): Promise<Libp2p<{ diffSync: DiffSync }>> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: false },
    services: { diffSync: diffSync() }
  })
}

describe('diff pull with backpressure, over TCP', { timeout: 120_000 }, () => {
  const nodes: Libp2p[] = []
  after(async () => { await Promise.all(nodes.map(async (node) => { await node.stop() })) })

  it('a store that integrates a few ms per frame pulls 100,000 entries without overflowing the stream', async () => {
    const [server, client] = await Promise.all([diffNode(), diffNode()])
    nodes.push(server, client)
    const source = new MemStore()
    source.begin()
    for (let i = 0; i < 100_000; i++) source.set(new Uint8Array(randomBytes(16)), new Uint8Array(randomBytes(128)))
    source.commit()
    server.services.diffSync.serve('slow', source)
    await client.dial(server.getMultiaddrs()[0])

    const slow = new SlowStore(new MemStore(), 4)
    const result = await client.services.diffSync.pull(server.peerId, 'slow', slow, { summary: false })

    assert.equal(slow.inner.size, 100_000)
    assert.deepEqual(slow.inner.stateHash(), source.stateHash())
    assert.equal(result.rounds, 1)
    assert.equal(result.frames, slow.frames)
    assert.ok(result.frames > 200, `${result.frames} frames: enough that an unpaced reader would have overflowed 4 MiB`)
    assert.equal(server.services.diffSync.stats().served, 1)
    assert.equal(server.services.diffSync.stats().failed, 0)
  })
})
