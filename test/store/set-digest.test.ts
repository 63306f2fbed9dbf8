// A range of dots added at once must hash exactly as its dots added one by one (the live digest is
// compared between stores, and a commit adds its seqs as one range), across 2^32 boundaries.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { SetDigest, dotHashA, dotHashB } from '../../src/store/dot-hash.ts'
import { MAX_SEQ } from '../../src/store/limits.ts'

const start = fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 2 ** 31 - 40, max: 2 ** 32 + 10 }), fc.integer({ min: 3 * 2 ** 32 - 40, max: 3 * 2 ** 32 }), fc.integer({ min: MAX_SEQ - 40, max: MAX_SEQ }))

describe('SetDigest.addRange', () => {
  it('adds the same as each dot of the range, across 2^32 boundaries and up to MAX_SEQ', () => {
    fc.assert(fc.property(fc.integer(), fc.integer(), start, fc.integer({ min: 0, max: 60 }), (seedA, seedB, first, length) => {
      const end = Math.min(first + length, MAX_SEQ + 1)
      const ranged = new SetDigest()
      ranged.add(7, 9)
      ranged.addRange(seedA >>> 0, seedB >>> 0, first, end)
      const single = new SetDigest()
      single.add(7, 9)
      for (let seq = first; seq < end; seq++) single.add(dotHashA(seedA >>> 0, seq), dotHashB(seedB >>> 0, seq))
      assert.deepEqual([ranged.a, ranged.b], [single.a, single.b])
    }), { numRuns: 300 })
  })
})
