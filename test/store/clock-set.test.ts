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

    it('agrees with a set of numbers through any mix of in-order adds, removes and queries', () => {
      // Mostly ascending adds, as a writer's seqs arrive, so that the run of seqs kept above the
      // bitmaps grows, moves and is flushed by every other operation.
      const step = fc.oneof(
        fc.record({ op: fc.constant('append'), n: fc.integer({ min: 1, max: 5 }), gap: fc.integer({ min: 0, max: 3 }) }),
        fc.record({ op: fc.constantFrom('add', 'remove', 'has'), n: fc.integer({ min: 1, max: 60 }), gap: fc.constant(0) }),
        fc.record({ op: fc.constantFrom('addRange', 'addMany'), n: fc.integer({ min: 1, max: 60 }), gap: fc.integer({ min: 0, max: 8 }) }),
        fc.record({ op: fc.constantFrom('max', 'min', 'size', 'toArray', 'union', 'subtract', 'clone', 'serialize'), n: fc.integer({ min: 1, max: 60 }), gap: fc.constant(0) })
      )
      fc.assert(fc.property(fc.array(step, { maxLength: 80 }), fc.constantFrom(1, 2 ** 32 - 20), (steps, base) => {
        let set = new ClockSet()
        const model = new Set<number>()
        const sorted = (): number[] => [...model].sort((a, b) => a - b)
        let next = base
        for (const { op, n, gap } of steps) {
          const seq = base + n
          switch (op) {
            case 'append':
              next += gap
              set.addRange(next, next + n)
              for (let i = 0; i < n; i++) model.add(next + i)
              next += n
              break
            case 'add': set.add(seq); model.add(seq); break
            case 'remove': set.remove(seq); model.delete(seq); break
            case 'has': assert.equal(set.has(seq), model.has(seq)); break
            case 'addRange': set.addRange(seq, seq + gap); for (let i = seq; i < seq + gap; i++) model.add(i); break
            case 'addMany': {
              const many = Array.from({ length: gap }, (_, i) => seq + i * (n % 2 === 0 ? 1 : 2))
              set.addMany(many)
              for (const x of many) model.add(x)
              break
            }
            case 'max': assert.equal(set.max(), model.size === 0 ? undefined : Math.max(...model)); break
            case 'min': assert.equal(set.min(), model.size === 0 ? undefined : Math.min(...model)); break
            case 'size': assert.equal(set.size, model.size); assert.equal(set.isEmpty, model.size === 0); break
            case 'toArray': assert.deepEqual(set.toArray(), sorted()); break
            case 'union': set.union(ClockSet.of(seq, seq + 100)); model.add(seq); model.add(seq + 100); break
            case 'subtract': set.subtract(ClockSet.of(seq, next - 1)); model.delete(seq); model.delete(next - 1); break
            case 'clone': set = set.clone(); break
            case 'serialize': set = ClockSet.deserialize(set.serialize()); break
          }
        }
        assert.deepEqual(set.toArray(), sorted())
        assert.deepEqual([...set], sorted())
        assert.equal(set.size, model.size)
        for (const x of [...model].slice(0, 20)) assert.ok(set.has(x))
      }), { numRuns: 300 })
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
  it('what one backend serializes the other reads, and the first reads back what the other writes', () => {
    // Not byte for byte: the two CRoaring builds choose differently between an array and a run
    // container of equal or near size (three seqs in a row, say). The set is what must agree.
    fc.assert(fc.property(seqs, fc.integer({ min: 0, max: 3 }), (xs, shape) => {
      for (const [from, to] of [[nativeBackend, wasmBackend], [wasmBackend, nativeBackend]]) {
        useBitmapBackend(from)
        const set = ClockSet.of(...xs)
        if (shape === 1) set.addRange(1, 70_000)
        if (shape === 2) for (let i = 1; i < 20_000; i += 3) set.add(i)
        if (shape === 3) for (let i = 1; i < 100; i += 7) set.addRange(i, i + 1 + (i % 4))
        const bytes = set.serialize()
        useBitmapBackend(to)
        const read = ClockSet.deserialize(bytes)
        assert.deepEqual(read.toArray(), set.toArray())
        const back = read.serialize()
        useBitmapBackend(from)
        const again = ClockSet.deserialize(back)
        assert.deepEqual(again.toArray(), set.toArray())
        read.dispose()
        again.dispose()
      }
    }), { numRuns: 50 })
  })
})
