import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MemStore } from '../../../src/index.ts'
import { hashKey } from '../../../src/store/key-hash.ts'
import { collidingKeys } from '../../store/colliding-keys.ts'
import { connect, hashOf, startPeer, stopAll, waitFor, type TestPeer } from '../mesh-fixture.ts'
import { report } from './attacker.ts'
import { measure, writesCross } from './store-attack-fixture.ts'

// Hash flooding: keys chosen so that murmur3 (the key index's public hash) gives them all one
// hash. Filed under it, each insert would compare itself with every colliding key before it
// (20,000 such keys took 1.8 s to insert, 100,000 would take ~45 s). The key index turns to a
// secret keyed hash once a probe runs long, so the flood costs what as many honest keys cost.

const FLOOD = 100_000

describe('keys made to collide, over real nodes', { timeout: 120_000 }, () => {
  let victim: TestPeer
  let friend: TestPeer
  let attacker: TestPeer

  before(async () => {
    victim = await startPeer({}, new MemStore('victim'))
    friend = await startPeer({}, new MemStore('friend'))
    await connect(victim, friend)
    await writesCross([victim, friend], 'before')
  })

  after(async () => {
    await stopAll([victim, friend, attacker].filter((peer) => peer != null))
  })

  it(`a peer serving ${FLOOD.toLocaleString('en')} keys with one murmur3 hash: the victim takes them all, and honest writes still cross in 5 s`, async () => {
    const keys = collidingKeys(FLOOD)
    assert.equal(new Set(keys.map((key) => hashKey(key, 0, key.byteLength))).size, 1)
    const store = new MemStore('attacker')
    store.begin()
    for (const key of keys) store.set(key, Uint8Array.of(1))
    store.commit()
    attacker = await startPeer({}, store)
    const load = await measure(async () => {
      await connect(attacker, victim)
      // Each poll reads a number: asking for 100,000 keys each time would be the test's own flood.
      await waitFor(() => victim.store.size >= FLOOD, 'the victim to hold the colliding keys', 30_000)
    })
    assert.ok(keys.every((key) => victim.store.has(key)))
    await writesCross([victim, friend, attacker], 'during')
    await waitFor(() => hashOf(victim.store) === hashOf(attacker.store) && hashOf(friend.store) === hashOf(victim.store), 'the three stores to converge', 30_000)
    report('hash flooding', load)
  })
})
