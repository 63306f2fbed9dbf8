import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import '../../src/index.ts'
import { MAX_COUNTER, MAX_WALL, compareHlc } from '../../src/store/hlc.ts'
import { EntryRows, NO_ROW } from '../../src/store/entry-rows.ts'
import { ReplicaState } from '../../src/store/replica-state.ts'

describe('EntryRows', () => {
  it('keeps any clock exactly, and orders by it as compareHlc does', () => {
    const rows = new EntryRows()
    const replica = new ReplicaState('0'.repeat(32))
    replica.index = rows.addWriter(replica)
    const key = Uint8Array.of(1)
    const walls = fc.oneof(fc.integer({ min: 0, max: MAX_WALL }), fc.integer({ min: 2 ** 32 - 2, max: 2 ** 32 + 2 }), fc.constantFrom(0, MAX_WALL, MAX_WALL - 1))
    const clocks = fc.record({ wall: walls, counter: fc.integer({ min: 0, max: MAX_COUNTER }) })
    fc.assert(fc.property(clocks, clocks, (a, b) => {
      const x = rows.append(key, new Uint8Array(0), replica, 1, a, NO_ROW)
      const y = rows.append(key, new Uint8Array(0), replica, 1, b, NO_ROW)
      assert.deepEqual(rows.hlc(x), { wall: a.wall, counter: a.counter })
      assert.deepEqual(rows.entry(x).hlc, { wall: a.wall, counter: a.counter })
      assert.equal(Math.sign(rows.compare(x, y)), Math.sign(compareHlc(a, b)))
      rows.free(x)
      rows.free(y)
    }), { numRuns: 2000 })
  })

  it('reuses freed rows, and breaks clock ties by replica id', () => {
    const rows = new EntryRows()
    const low = new ReplicaState('0'.repeat(32))
    const high = new ReplicaState('f'.repeat(32))
    low.index = rows.addWriter(low)
    high.index = rows.addWriter(high)
    const a = rows.append(Uint8Array.of(1), Uint8Array.of(10), low, 1, { wall: 5, counter: 0 }, NO_ROW)
    const b = rows.append(Uint8Array.of(1), Uint8Array.of(20), high, 1, { wall: 5, counter: 0 }, a)
    assert.equal(rows.winner(b), b)
    assert.deepEqual(rows.chain(b).map((entry) => entry.value[0]), [20, 10])
    rows.free(a)
    const c = rows.append(Uint8Array.of(2), Uint8Array.of(30), low, 2, { wall: 6, counter: 0 }, NO_ROW)
    assert.equal(c, a)
    assert.deepEqual(rows.key(c), Uint8Array.of(2))
    assert.equal(rows.writer(c), low)
  })
})
