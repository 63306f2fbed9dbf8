import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { GapWatch } from '../../src/node/gap-watch.ts'
import type { Dot } from '../../src/index.ts'

const source = peerIdFromString('12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf')
const dot: Dot = { replica: 'ab'.repeat(16), seq: 4 }
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** A store stand-in: which dots it has seen, and a state hash a test moves by hand. */
function fakeStore (): { seen: Set<number>, hash: Uint8Array, hasSeen: (d: Dot) => boolean, stateHash: () => Uint8Array } {
  const store = {
    seen: new Set<number>(),
    hash: Uint8Array.of(0),
    hasSeen: (d: Dot) => store.seen.has(d.seq),
    stateHash: () => store.hash
  }
  return store
}

describe('GapWatch', () => {
  it('pulls from the sender once, for the ops still missing, when they are still missing after the grace', async () => {
    const pulls: string[] = []
    const missing: Dot[][] = []
    const store = fakeStore()
    const watch = new GapWatch(store, (peer, dots) => { pulls.push(peer.toString()); missing.push(dots) }, 20)
    watch.add(dot, source)
    watch.add({ ...dot, seq: 7 }, source)
    watch.add({ ...dot, seq: 9 }, source)
    store.seen.add(9)
    await sleep(60)
    assert.deepEqual(pulls, [source.toString()])
    assert.deepEqual(missing, [[dot, { ...dot, seq: 7 }]])
    watch.stop()
  })

  it('does not pull when the op arrives within the grace', async () => {
    const store = fakeStore()
    let pulls = 0
    const watch = new GapWatch(store, () => { pulls++ }, 20)
    watch.add(dot, source)
    store.seen.add(dot.seq)
    await sleep(60)
    assert.equal(pulls, 0)
  })

  it('waits up to ten more graces while the state moves, then pulls', async () => {
    const store = fakeStore()
    let pulls = 0
    const watch = new GapWatch(store, () => { pulls++ }, 20)
    const moving = setInterval(() => { store.hash = Uint8Array.of(store.hash[0] + 1) }, 5)
    watch.add(dot, source)
    await sleep(70)
    assert.equal(pulls, 0, 'still waiting while gossip delivers')
    // Eleven graces are 220 ms; a loaded machine's timers may run late, never early.
    for (let waited = 0; pulls === 0 && waited < 2000; waited += 10) await sleep(10)
    clearInterval(moving)
    assert.equal(pulls, 1, 'pulled after at most eleven graces, though the state still moved')
  })

  it('pulls nothing after stop()', async () => {
    let pulls = 0
    const watch = new GapWatch(fakeStore(), () => { pulls++ }, 20)
    watch.add(dot, source)
    watch.stop()
    await sleep(60)
    assert.equal(pulls, 0)
  })
})
