// Unit tests of the discovery dialer (src/node/discovery-dialer.ts) against a fake libp2p node
// and mocked timers; the dialer on real nodes runs in test/integration/lan.
import assert from 'node:assert/strict'
import { setImmediate as flushed } from 'node:timers/promises'
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import { defaultLogger } from '@libp2p/logger'
import { DiscoveryDialer, type DialerNode } from '../../src/node/discovery-dialer.ts'
import type { PeerId } from '@libp2p/interface'

function peer (name: string): PeerId {
  return { toString: () => name, equals: (other: PeerId) => other.toString() === name } as unknown as PeerId
}

/** Connects to the peers in `reachable`; every other dial fails. */
class FakeNode extends EventTarget {
  readonly logger = defaultLogger()
  readonly connected = new Map<string, PeerId>()
  readonly dials: string[] = []
  readonly reachable = new Set<string>()

  getPeers (): PeerId[] {
    return [...this.connected.values()]
  }

  getConnections (id?: PeerId): unknown[] {
    return id != null && this.connected.has(id.toString()) ? [{}] : []
  }

  async dial (id: PeerId): Promise<unknown> {
    this.dials.push(id.toString())
    await Promise.resolve()
    if (!this.reachable.has(id.toString())) throw new Error('connection refused')
    this.connect(id)
    return {}
  }

  connect (id: PeerId): void {
    this.connected.set(id.toString(), id)
    this.dispatchEvent(new CustomEvent('peer:connect', { detail: id }))
  }

  disconnect (id: PeerId): void {
    this.connected.delete(id.toString())
    this.dispatchEvent(new CustomEvent('peer:disconnect', { detail: id }))
  }

  discover (id: PeerId): void {
    this.dispatchEvent(new CustomEvent('peer:discovery', { detail: { id, multiaddrs: [] } }))
  }
}

async function advance (ms: number): Promise<void> {
  for (let step = 0; step < ms; step += 100) {
    mock.timers.tick(100)
    await flushed()
  }
}

describe('DiscoveryDialer', () => {
  let node: FakeNode
  let dialer: DiscoveryDialer
  const make = (options = {}): DiscoveryDialer => {
    dialer = new DiscoveryDialer(node as unknown as DialerNode, { checkInterval: 100, minBackoff: 1000, maxBackoff: 8000, jitter: 0, ...options })
    dialer.start()
    return dialer
  }
  beforeEach(() => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 })
    node = new FakeNode()
  })
  afterEach(() => {
    dialer?.stop()
    mock.timers.reset()
  })

  it('waits min × factor^(failures − 1), capped, with jitter either way', () => {
    make()
    assert.deepEqual([1, 2, 3, 4, 5, 9].map((failures) => dialer.backoff(failures)), [1000, 2000, 4000, 8000, 8000, 8000])
    const jittered = new DiscoveryDialer(node as unknown as DialerNode, { minBackoff: 1000, jitter: 0.2 })
    for (let i = 0; i < 100; i++) {
      const wait = jittered.backoff(2)
      assert.ok(wait >= 1600 && wait <= 2400, `${wait} within 20% of 2000`)
    }
  })

  it('dials a discovered peer at once, and not again while it is connected', async () => {
    make()
    node.reachable.add('a')
    node.discover(peer('a'))
    await flushed()
    assert.deepEqual(node.dials, ['a'])
    node.discover(peer('a'))
    await advance(5000)
    assert.deepEqual(node.dials, ['a'])
  })

  it('redials a failing peer after a backoff that doubles with each failure', async () => {
    make()
    node.discover(peer('b'))
    await flushed()
    const dialTimes = (): number => node.dials.length
    assert.equal(dialTimes(), 1)
    await advance(900)
    assert.equal(dialTimes(), 1, 'no redial within the first 1000 ms')
    await advance(200)
    assert.equal(dialTimes(), 2, 'redialed after 1000 ms')
    await advance(1800)
    assert.equal(dialTimes(), 2, 'no redial within the next 2000 ms')
    await advance(300)
    assert.equal(dialTimes(), 3)
    // A fresh sighting does not skip the wait.
    node.discover(peer('b'))
    await flushed()
    assert.equal(dialTimes(), 3)
    assert.deepEqual(dialer.stats(), { candidates: 1, dials: 3, dialFailures: 3 })
  })

  it('keeps the target number of connections, and tops it up when a peer leaves', async () => {
    make({ targetConnections: 2 })
    for (const name of ['a', 'b', 'c']) {
      node.reachable.add(name)
      node.discover(peer(name))
      await flushed()
    }
    assert.deepEqual(node.dials, ['a', 'b'])
    node.disconnect(peer('a'))
    await flushed()
    assert.deepEqual(node.dials, ['a', 'b', 'c'])
  })

  it('a connection from the peer itself clears its backoff', async () => {
    make()
    node.discover(peer('d'))
    await flushed()
    await advance(1100)
    assert.equal(node.dials.length, 2)
    node.connect(peer('d'))        // it dialed us
    node.reachable.add('d')
    node.disconnect(peer('d'))
    await flushed()
    assert.equal(node.dials.length, 3, 'redialed at once, not after the 2000 ms backoff')
  })

  it('redials a peer it remembers (one that dialed it) once the link drops, with the same backoff', async () => {
    make()
    node.connect(peer('e'))        // never discovered: it dialed us
    dialer.remember(peer('e'))
    node.disconnect(peer('e'))
    await flushed()
    assert.deepEqual(node.dials, ['e'])
    await advance(1100)
    assert.deepEqual(node.dials, ['e', 'e'], 'retried after the first backoff')
  })

  it('with forgetStrangers, does not redial a peer that left without being remembered', async () => {
    make({ forgetStrangers: true })
    node.reachable.add('f')
    node.reachable.add('g')
    node.discover(peer('f'))
    node.discover(peer('g'))
    await flushed()
    dialer.remember(peer('g'))
    node.disconnect(peer('f'))      // an outsider the mesh refused
    node.disconnect(peer('g'))
    await advance(2000)
    assert.deepEqual(node.dials, ['f', 'g', 'g'])
  })

  it('forgets the peer that failed most beyond maxCandidates, and dials nothing once stopped', async () => {
    make({ maxCandidates: 2 })
    node.discover(peer('x'))
    await flushed()
    node.reachable.add('y')
    node.discover(peer('y'))
    await flushed()
    node.reachable.add('z')
    node.discover(peer('z'))
    await flushed()
    assert.equal(dialer.stats().candidates, 2)
    dialer.stop()
    node.disconnect(peer('y'))
    node.discover(peer('w'))
    await advance(2000)
    assert.deepEqual(node.dials, ['x', 'y', 'z'])
  })
})
