import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { ClockSet, InvalidMessageError, decodeDiff, decodeDiffRequest, encodeDiff, encodeDiffRequest, encodeDiffRequestPages, type ReplicaSummary } from '../../src/index.ts'

// The fields of narrowed deaths on the wire: a request's narrow flag (bit 4) and suspects
// section (bit 5), and a diff's deaths-withheld flag (bit 1).

const id = (): string => randomBytes(16).toString('hex')
const summary = (suspects?: ClockSet): ReplicaSummary => ({ replica: id(), seen: ClockSet.of(1, 2, 3, 5, 8), liveDigest: new Uint8Array(randomBytes(8)), ...(suspects != null ? { suspects } : {}) })

/** A request's bytes with the suspects section replaced by `section` (and bit 5 set). */
function withSection (section: number[], summaries = [summary()]): Uint8Array {
  const plain = encodeDiffRequest({ replicas: summaries })
  const out = Uint8Array.of(...plain, ...section)
  out[2] |= 0x20
  return out
}

describe('narrowed deaths on the wire', () => {
  it('a request keeps its narrow flag and each writer its suspects', () => {
    const summaries = [summary(), summary(ClockSet.of(2, 5)), summary(), summary(ClockSet.of(1, 3, 8))]
    const decoded = decodeDiffRequest(encodeDiffRequest({ narrowDeaths: true, replicas: summaries }))
    assert.equal(decoded.narrowDeaths, true)
    assert.deepEqual(decoded.replicas!.map((s) => s.suspects?.toArray()), [undefined, [2, 5], undefined, [1, 3, 8]])
    const plain = decodeDiffRequest(encodeDiffRequest({ replicas: summaries.map(({ replica, seen, liveDigest }) => ({ replica, seen, liveDigest })) }))
    assert.equal(plain.narrowDeaths, undefined)
    assert.ok(plain.replicas!.every((s) => s.suspects == null))
  })

  it('pages keep each writer\'s suspects with it, and the narrow flag on every page', () => {
    const summaries = Array.from({ length: 40 }, (_, i) => summary(i % 3 === 0 ? ClockSet.of(i + 1) : undefined))
    const pages = encodeDiffRequestPages({ narrowDeaths: true, replicas: summaries }, 400).map(decodeDiffRequest)
    assert.ok(pages.length > 1)
    const byId = new Map(summaries.map((s) => [s.replica, s.suspects?.toArray()]))
    for (const page of pages) {
      assert.equal(page.narrowDeaths, true)
      for (const s of page.replicas!) assert.deepEqual(s.suspects?.toArray(), byId.get(s.replica))
    }
  })

  it('a diff keeps its deaths-withheld flag', () => {
    assert.equal(decodeDiff(encodeDiff({ needsFullRequest: false, groups: [], deathsWithheld: true })).deathsWithheld, true)
    assert.equal(decodeDiff(encodeDiff({ needsFullRequest: false, groups: [] })).deathsWithheld, undefined)
    assert.throws(() => decodeDiff(Uint8Array.of(2, 3, 0x04, 0)), InvalidMessageError)
  })

  it('refuses a malformed suspects section with a typed error', () => {
    const set = [...ClockSet.of(4).serialize()]
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['an index past the summaries', withSection([1, 1, ...set]), /suspects index/],
      ['indices not ascending', withSection([2, 1, ...set, 0, ...set], [summary(), summary()]), /ascend/],
      ['an empty section', withSection([0]), /no suspects/],
      ['an empty set', withSection([1, 0, ...new ClockSet().serialize()]), /non-empty/],
      ['seq 0', withSection([1, 0, ...ClockSet.of(0).serialize()]), /from 1/],
      ['a truncated set', withSection([1, 0, ...set.slice(0, -1)]), /./],
      ['suspects on a summary request', (() => { const b = encodeDiffRequest({ stateHash: new Uint8Array(12) }); b[2] |= 0x20; return b })(), /invalid request flags/],
      ['narrowing a summary request', (() => { const b = encodeDiffRequest({ stateHash: new Uint8Array(12) }); b[2] |= 0x10; return b })(), /invalid request flags/]
    ]
    for (const [what, bytes, message] of cases) {
      assert.throws(() => decodeDiffRequest(bytes), (err: Error) => err instanceof InvalidMessageError && message.test(err.message), what)
    }
  })

  it('refuses more than 65,536 suspects in all, however few bytes claim them', () => {
    const wide = new ClockSet()
    wide.addRange(1, 40_000)
    const bytes = withSection([2, 0, ...wide.serialize(), 1, ...wide.serialize()], [summary(), summary()])
    assert.ok(bytes.byteLength < 200, `${bytes.byteLength} bytes`)
    assert.throws(() => decodeDiffRequest(bytes), /more than 65536 suspects/)
    // The encoder never sends what a decoder refuses: it leaves out the suspects past the bound.
    const request = decodeDiffRequest(encodeDiffRequest({ replicas: [summary(wide), summary(wide.clone())] }))
    assert.deepEqual(request.replicas!.map((s) => s.suspects?.size), [39_999, undefined])
  })
})
