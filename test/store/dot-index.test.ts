import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { DotIndex } from '../../src/store/dot-index.ts'

const PAGE = 64
const DIRECTORY_SEQS = 1024 * PAGE

/** Seqs where the index changes how it keeps them: page edges, the first directory's end, 2^32, 2^53. */
const seqs = fc.oneof(
  fc.integer({ min: 1, max: 3 * PAGE }),
  fc.integer({ min: DIRECTORY_SEQS - PAGE, max: 3 * DIRECTORY_SEQS }),
  fc.integer({ min: 2 ** 32 - PAGE, max: 2 ** 32 + PAGE }),
  fc.constantFrom(2 ** 40, Number.MAX_SAFE_INTEGER)
)

type Step =
  | { kind: 'set', seq: number }
  | { kind: 'delete', seq: number }
  | { kind: 'fill', start: number, count: number }
  | { kind: 'drain', start: number, count: number }

const steps = fc.array(fc.oneof(
  fc.record({ kind: fc.constant('set' as const), seq: seqs }),
  fc.record({ kind: fc.constant('delete' as const), seq: seqs }),
  fc.record({ kind: fc.constant('fill' as const), start: seqs, count: fc.integer({ min: 1, max: 3000 }) }),
  fc.record({ kind: fc.constant('drain' as const), start: seqs, count: fc.integer({ min: 1, max: 3000 }) })
), { maxLength: 60 })

describe('DotIndex', () => {
  it('agrees with a Map through random sets, deletes, dense runs and far seqs', () => {
    fc.assert(fc.property(steps, (plan) => {
      const index = new DotIndex<number>()
      const model = new Map<number, number>()
      let next = 0
      const set = (seq: number): void => {
        index.set(seq, ++next)
        model.set(seq, next)
      }
      const remove = (seq: number): void => {
        index.delete(seq)
        model.delete(seq)
      }
      for (const step of plan) {
        if (step.kind === 'set') set(step.seq)
        else if (step.kind === 'delete') remove(step.seq)
        else {
          const end = Math.min(step.start + step.count, Number.MAX_SAFE_INTEGER)
          for (let seq = step.start; seq < end; seq++) step.kind === 'fill' ? set(seq) : remove(seq)
        }
        assert.equal(index.size, model.size)
      }
      for (const [seq, value] of model) assert.equal(index.get(seq), value, `seq ${seq}`)
      for (const step of plan) {
        const seq = step.kind === 'set' || step.kind === 'delete' ? step.seq : step.start
        for (const probe of [seq - 1, seq, seq + 1]) {
          assert.equal(index.get(probe), model.get(probe), `seq ${probe}`)
          assert.equal(index.has(probe), model.has(probe))
        }
      }
    }), { numRuns: 150 })
  })

  it('keeps a value set far ahead, and finds it once dense seqs reach it', () => {
    const index = new DotIndex<string>()
    const far = 4 * DIRECTORY_SEQS
    index.set(far, 'far')
    index.set(Number.MAX_SAFE_INTEGER, 'max')
    for (let seq = 1; seq < far; seq++) index.set(seq, 'dense')
    assert.equal(index.get(far), 'far')
    assert.equal(index.get(Number.MAX_SAFE_INTEGER), 'max')
    assert.equal(index.size, far + 1)
    for (let seq = 1; seq < far; seq++) index.delete(seq)
    index.delete(far)
    assert.equal(index.size, 1)
    assert.equal(index.get(far), undefined)
    assert.equal(index.get(Number.MAX_SAFE_INTEGER), 'max')
  })
})
