import assert from 'node:assert/strict'
import { describe, it, before } from 'node:test'
import fc from 'fast-check'
import { useBitmapBackend, type BitmapBackend } from '../../src/store/bitmap/backend.ts'
import { nativeBackend } from '../../src/store/bitmap/native.ts'
import { wasmBackend } from '../../src/store/bitmap/wasm.ts'
import { ClockSet, MAX_SEQ } from '../../src/store/clock-set.ts'
import { InvalidMessageError } from '../../src/store/errors.ts'

const seqs = fc.array(fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: MAX_SEQ })), { maxLength: 200 })

function sortedUnique (values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b)
}

function suite (backend: BitmapBackend): void {
  describe(`ClockSet on the ${backend.name} backend`, () => {
    before(() => useBitmapBackend(backend))

    it('adds, removes and answers membership across the 32-bit boundary', () => {
      const set = ClockSet.of(1, 2, 3, 2 ** 32 + 5, MAX_SEQ)
      assert.equal(set.size, 5)
      assert.ok(set.has(2 ** 32 + 5) && set.has(MAX_SEQ) && !set.has(5))
      set.remove(2)
      assert.deepEqual(set.toArray(), [1, 3, 2 ** 32 + 5, MAX_SEQ])
      assert.equal(set.min(), 1)
      assert.equal(set.max(), MAX_SEQ)
    })

    it('adds ranges that span buckets', () => {
      const set = new ClockSet()
      set.addRange(2 ** 32 - 3, 2 ** 32 + 2)
      assert.deepEqual(set.toArray(), [2 ** 32 - 3, 2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1])
    })

    it('keeps a million contiguous seqs in a few hundred bytes', () => {
      const set = new ClockSet()
      set.addRange(1, 1_000_001)
      assert.equal(set.size, 1_000_000)
      assert.ok(set.serialize().byteLength < 300)
    })

    it('behaves like a set of numbers (union, andNot, intersect, slice, subset)', () => {
      fc.assert(fc.property(seqs, seqs, fc.integer({ min: 0, max: 6000 }), (xs, ys, cut) => {
        const a = ClockSet.of(...xs)
        const b = ClockSet.of(...ys)
        const sa = new Set(xs)
        const sb = new Set(ys)
        assert.deepEqual(a.toArray(), sortedUnique(xs))
        assert.equal(a.size, sa.size)
        assert.deepEqual(a.andNot(b).toArray(), sortedUnique(xs.filter((x) => !sb.has(x))))
        assert.deepEqual(a.intersect(b).toArray(), sortedUnique(xs.filter((x) => sb.has(x))))
        assert.deepEqual(a.slice(0, cut).toArray(), sortedUnique(xs.filter((x) => x < cut)))
        assert.equal(a.isSubsetOf(b), xs.every((x) => sb.has(x)))
        const union = a.clone().union(b)
        assert.deepEqual(union.toArray(), sortedUnique([...xs, ...ys]))
        assert.ok(a.isSubsetOf(union) && b.isSubsetOf(union))
        assert.deepEqual(union.subtract(b).toArray(), sortedUnique(xs.filter((x) => !sb.has(x))))
      }))
    })

    it('round-trips through the portable format', () => {
      fc.assert(fc.property(seqs, fc.boolean(), (xs, ranged) => {
        const set = ClockSet.of(...xs)
        if (ranged) set.addRange(10_000, 80_000)
        const bytes = set.serialize()
        const back = ClockSet.deserialize(bytes)
        assert.ok(back.equals(set))
        assert.deepEqual(back.serialize(), bytes)
      }))
    })

    it('rejects malformed bytes with InvalidMessageError', () => {
      const good = ClockSet.of(1, 2, 3, 100_000).serialize()
      assert.throws(() => ClockSet.deserialize(good.subarray(0, good.length - 1)), InvalidMessageError)
      assert.throws(() => ClockSet.deserialize(new Uint8Array([...good, 0])), InvalidMessageError)
      assert.throws(() => ClockSet.deserialize(new Uint8Array(3)), InvalidMessageError)
      const unsorted = ClockSet.of(5, 6).serialize()
      // Swap the two array values of the one container: a sorted-array container no longer sorted.
      const last = unsorted.length - 4
      ;[unsorted[last], unsorted[last + 2]] = [unsorted[last + 2], unsorted[last]]
      assert.throws(() => ClockSet.deserialize(unsorted), InvalidMessageError)
    })
  })
}

suite(nativeBackend)
suite(wasmBackend)

describe('ClockSet across backends', () => {
  it('what one backend serializes the other reads and writes back byte for byte', () => {
    fc.assert(fc.property(seqs, fc.integer({ min: 0, max: 3 }), (xs, shape) => {
      for (const [from, to] of [[nativeBackend, wasmBackend], [wasmBackend, nativeBackend]]) {
        useBitmapBackend(from)
        const set = ClockSet.of(...xs)
        if (shape === 1) set.addRange(1, 70_000)
        if (shape === 2) for (let i = 1; i < 20_000; i += 3) set.add(i)
        const bytes = set.serialize()
        useBitmapBackend(to)
        const read = ClockSet.deserialize(bytes)
        assert.deepEqual(read.serialize(), bytes)
        assert.deepEqual(read.toArray(), set.toArray())
        read.dispose()
      }
    }), { numRuns: 50 })
  })
})
