import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  ClockSet, InvalidMessageError, MAX_SEQ, MemStore, decodeDiff, decodeDiffRequest, decodeOps, encodeDiff, encodeDiffRequest,
  encodeOps, type Op
} from '../../src/index.ts'

const A = '00112233445566778899aabbccddeeff'
const B = 'ffeeddccbbaa99887766554433221100'
const te = (s: string): Uint8Array => new TextEncoder().encode(s)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

// Golden vectors: these bytes are version 2 of the formats (version 1 differed in its first byte
// only, but for what a state hash sums). If a change breaks one, the change is a new version (see
// README "Wire formats"), not a new vector.
const GOLDEN_OPS = '02010200112233445566778899aabbccddeeffffeeddccbbaa9988776655443322110007026b310276310700b875bd9a0101010311026b3202763202026b330200020104'
const GOLDEN_REQUEST = '0202030909090909090909090909090100112233445566778899aabbccddeeff01010101010101010a'
const GOLDEN_REQUEST_GAPPY = '0202010100112233445566778899aabbccddeeff0101010101010101000100000000000000000000003a300000010000000000020010000000010002000500'
const GOLDEN_SUMMARY = '020202090909090909090909090909'
const GOLDEN_DIFF = '02030001ffeeddccbbaa9988776655443322110002040101613181e0add7d76602000101623200010100000000000000000000003a300000010000000000020010000000010002000400'

const goldenOps: Op[] = [
  { kind: 'set', key: te('k1'), value: te('v1'), dot: { replica: A, seq: 7 }, hlc: { wall: 1764115200000, counter: 0 }, removes: [{ replica: B, seq: 3 }] },
  { kind: 'set', key: te('k2'), value: te('v2'), dot: { replica: A, seq: 8 }, hlc: { wall: 1764115200000, counter: 0 }, removes: [] },
  { kind: 'delete', key: te('k3'), removes: [{ replica: A, seq: 2 }, { replica: B, seq: 4 }] }
]

describe('wire format golden vectors', () => {
  it('ops', () => {
    assert.equal(hex(encodeOps(goldenOps)), GOLDEN_OPS)
    assert.deepEqual(decodeOps(Buffer.from(GOLDEN_OPS, 'hex')), goldenOps)
  })

  it('diff request, full and summary', () => {
    const request = decodeDiffRequest(Buffer.from(GOLDEN_REQUEST, 'hex'))
    assert.deepEqual(request.replicas?.map((r) => [r.replica, r.seen.toArray(), hex(r.liveDigest)]), [[A, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], '0101010101010101']])
    assert.equal(hex(encodeDiffRequest(request)), GOLDEN_REQUEST)
    const gappy = decodeDiffRequest(Buffer.from(GOLDEN_REQUEST_GAPPY, 'hex'))
    assert.equal(gappy.stateHash, undefined)
    assert.deepEqual(gappy.replicas?.map((r) => r.seen.toArray()), [[1, 2, 5]])
    assert.equal(hex(encodeDiffRequest(gappy)), GOLDEN_REQUEST_GAPPY)
    const summary = decodeDiffRequest(Buffer.from(GOLDEN_SUMMARY, 'hex'))
    assert.equal(summary.replicas, undefined)
    assert.equal(hex(summary.stateHash!), '09'.repeat(12))
  })

  it('diff', () => {
    const diff = decodeDiff(Buffer.from(GOLDEN_DIFF, 'hex'))
    assert.equal(diff.groups[0].replica, B)
    assert.deepEqual(diff.groups[0].entries.map((e) => [new TextDecoder().decode(e.key), e.seq, e.hlc.counter]), [['a', 5, 2], ['b', 6, 2]])
    assert.deepEqual(diff.groups[0].deaths?.toArray(), [1, 2, 4])
    assert.equal(hex(encodeDiff(diff)), GOLDEN_DIFF)
  })

  it('refuses another version with a clear error', () => {
    const bytes = Buffer.from(GOLDEN_OPS, 'hex')
    bytes[0] = 1
    assert.throws(() => decodeOps(bytes), { name: 'InvalidMessageError', message: /unsupported ops message version 1/ })
  })
})

const replicaId = fc.constantFrom(A, B, '0123456789abcdef0123456789abcdef')
const dot = fc.record({ replica: replicaId, seq: fc.integer({ min: 1, max: MAX_SEQ }) })
const hlc = fc.record({ wall: fc.integer({ min: 0, max: 2 ** 48 - 1 }), counter: fc.integer({ min: 0, max: 0xffff }) })
const blob = fc.uint8Array({ maxLength: 40 })
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: blob, value: blob, dot, hlc, removes: fc.array(dot, { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('delete' as const), key: blob, removes: fc.array(dot, { maxLength: 3 }) })
)

describe('wire format round trips', () => {
  it('ops', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
      assert.deepEqual(decodeOps(encodeOps(ops)), structuredClone(ops))
    }))
  })

  it('a diff request and a diff made by real stores', () => {
    fc.assert(fc.property(fc.array(fc.tuple(blob, blob, fc.boolean()), { maxLength: 40 }), (writes) => {
      const a = new MemStore()
      for (const [key, value, remove] of writes) {
        if (remove) a.delete(key)
        else a.set(key, value)
      }
      const request = new MemStore().requestDiff()
      assert.deepEqual(encodeDiffRequest(decodeDiffRequest(encodeDiffRequest(a.requestDiff()))), encodeDiffRequest(a.requestDiff()))
      const diff = encodeDiff(a.buildDiff(request))
      assert.deepEqual(encodeDiff(decodeDiff(diff)), diff)
    }))
  })
})

const decoders: Array<[string, (bytes: Uint8Array) => unknown, Uint8Array]> = [
  ['decodeOps', decodeOps, Buffer.from(GOLDEN_OPS, 'hex')],
  ['decodeDiffRequest', decodeDiffRequest, Buffer.from(GOLDEN_REQUEST, 'hex')],
  ['decodeDiffRequest (a seen bitmap)', decodeDiffRequest, Buffer.from(GOLDEN_REQUEST_GAPPY, 'hex')],
  ['decodeDiff', decodeDiff, Buffer.from(GOLDEN_DIFF, 'hex')]
]

/** A decoder may return a message or throw InvalidMessageError; anything else is a bug. */
function decodesOrRefuses (decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    decode(bytes)
  } catch (err) {
    if (!(err instanceof InvalidMessageError)) throw err
  }
}

describe('decoder robustness', () => {
  for (const [name, decode, valid] of decoders) {
    it(`${name}: random bytes give a message or an InvalidMessageError`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesOrRefuses(decode, bytes)), { numRuns: 2000 })
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesOrRefuses(decode, Uint8Array.of(valid[0], valid[1], ...bytes))), { numRuns: 2000 })
    })

    it(`${name}: mutated valid messages give a message or an InvalidMessageError`, () => {
      fc.assert(fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (mutations, cut) => {
          const bytes = Uint8Array.from(valid)
          for (const [at, value] of mutations) bytes[at % bytes.length] = value
          decodesOrRefuses(decode, bytes)
          decodesOrRefuses(decode, bytes.subarray(0, cut % (bytes.length + 1)))
        }
      ), { numRuns: 3000 })
    })
  }

  it('what a decoder accepts a store can integrate, and a refused message changes nothing', () => {
    const store = new MemStore()
    store.set(te('x'), te('y'))
    const before = store.entries()
    const ops = Buffer.from(GOLDEN_OPS, 'hex')
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 0, max: 255 }), (at, value) => {
      const bytes = Uint8Array.from(ops)
      bytes[at % bytes.length] = value
      let decoded: Op[]
      try {
        decoded = decodeOps(bytes)
      } catch {
        assert.deepEqual(store.entries(), before)
        return
      }
      new MemStore().integrateOps(decoded)
    }), { numRuns: 1000 })
  })

  it('refuses a clock set that claims more buckets than it holds', () => {
    const bytes = ClockSet.of(1).serialize()
    bytes[0] = 200
    assert.throws(() => ClockSet.deserialize(bytes), InvalidMessageError)
  })
})
