import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import '../../src/index.ts'
import { MAX_COUNTER, MAX_WALL, compareHlc } from '../../src/store/hlc.ts'
import { Entry, ReplicaState, compareEntries } from '../../src/store/replica-state.ts'

describe('Entry', () => {
  it('keeps any clock exactly, and orders by it as compareHlc does', () => {
    const replica = new ReplicaState('0'.repeat(32))
    const chunk = new Uint8Array(1)
    const entry = (wall: number, counter: number): Entry => new Entry(chunk, 0, 1, 0, 0, replica, 1, wall, counter, undefined)
    // Walls on both sides of where the entry splits them into small integers, and at the ends.
    const walls = fc.oneof(fc.integer({ min: 0, max: MAX_WALL }), fc.integer({ min: 2 ** 24 - 2, max: 2 ** 24 + 2 }), fc.constantFrom(0, MAX_WALL, MAX_WALL - 1))
    const clocks = fc.record({ wall: walls, counter: fc.integer({ min: 0, max: MAX_COUNTER }) })
    fc.assert(fc.property(clocks, clocks, (a, b) => {
      const x = entry(a.wall, a.counter)
      const y = entry(b.wall, b.counter)
      assert.deepEqual(x.hlc, { wall: a.wall, counter: a.counter })
      assert.equal(x.wall, a.wall)
      assert.equal(Math.sign(compareEntries(x, y)), Math.sign(compareHlc(a, b)))
    }), { numRuns: 2000 })
  })
})
