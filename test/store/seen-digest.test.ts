// The seen digest is compared between stores, so its arithmetic must be exact for every seq up to
// MAX_SEQ: each lane is checked against the same polynomial evaluated with BigInt.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { fmix32 } from '../../src/store/dot-hash.ts'
import { MAX_SEQ } from '../../src/store/limits.ts'
import { SeenDigest } from '../../src/store/seen-digest.ts'

const P = 2n ** 31n - 1n

/** The lane's polynomial, as seen-digest.ts documents it: c3·x³ + c2·x² + c1·x + c0 mod 2^31 − 1. */
function referenceLane (seed: number): (seqs: number[]) => number {
  const c = [0x1b873593, 0x68e31da4, 0x2545f491, 0x5f356495].map((salt) => BigInt(fmix32(seed ^ salt) % (2 ** 31 - 2) + 1))
  return (seqs) => {
    let sum = 0n
    for (const seq of seqs) {
      const x = BigInt(seq) % P
      sum += ((c[3] * x + c[2]) * x + c[1]) * x + c[0]
    }
    return Number(sum % P)
  }
}

const seq = fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 2 ** 31 - 10, max: 2 ** 32 + 10 }), fc.integer({ min: MAX_SEQ - 5000, max: MAX_SEQ }))

describe('SeenDigest', () => {
  it('sums exactly the polynomial of every seq added, single or in ranges, up to MAX_SEQ', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.array(fc.tuple(seq, fc.integer({ min: 0, max: 40 })), { maxLength: 12 }), (seedA, seedB, runs) => {
      const digest = new SeenDigest(seedA, seedB)
      const added = new Set<number>()
      for (const [start, length] of runs) {
        const end = Math.min(start + length, MAX_SEQ + 1)
        // Each seq once: split the run around seqs already added.
        let runStart = start
        for (let s = start; s <= end; s++) {
          if (s < end && !added.has(s)) continue
          if (runStart < s) digest.addRange(runStart, s)
          for (let t = runStart; t < s; t++) added.add(t)
          runStart = s + 1
        }
      }
      const seqs = [...added]
      assert.equal(digest.a, referenceLane(seedA)(seqs))
      assert.equal(digest.b, referenceLane(seedB)(seqs))
    }), { numRuns: 200 })
  })

  it('a long range costs its closed form and matches adding its seqs one by one', () => {
    const ranged = new SeenDigest(7, 11)
    const single = new SeenDigest(7, 11)
    ranged.addRange(2 ** 31 - 100, 2 ** 31 + 100)
    for (let s = 2 ** 31 - 100; s < 2 ** 31 + 100; s++) single.addSeq(s)
    assert.deepEqual([ranged.a, ranged.b], [single.a, single.b])
    const huge = new SeenDigest(7, 11)
    huge.addRange(1, MAX_SEQ + 1)
    assert.ok(huge.a >= 0 && huge.a < 2 ** 31 - 1 && huge.b >= 0 && huge.b < 2 ** 31 - 1)
  })
})
