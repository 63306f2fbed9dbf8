import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { jsonCodec, stringCodec } from '../../src/index.ts'

// Short ASCII is decoded in JavaScript, the rest by TextDecoder: both must give what TextDecoder
// gives, and refuse what it refuses, on either side of the 64-byte line.
const reference = new TextDecoder('utf-8', { fatal: true })

describe('stringCodec and jsonCodec', () => {
  it('round-trip any string, ASCII or not, short or long', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 70 })), (text) => {
      const bytes = stringCodec.encode(text)
      assert.equal(stringCodec.decode(bytes), reference.decode(bytes))
      // A lone surrogate is encoded as U+FFFD, and comes back so.
      assert.equal(stringCodec.decode(bytes), text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'))
    }), { numRuns: 2000 })
  })

  it('decode any bytes as TextDecoder does, and throw where it throws', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
      let expected: string | Error
      try {
        expected = reference.decode(bytes)
      } catch (err) {
        expected = err as Error
      }
      if (expected instanceof Error) assert.throws(() => stringCodec.decode(bytes))
      else assert.equal(stringCodec.decode(bytes), expected)
    }), { numRuns: 2000 })
  })

  it('decode ASCII of 64 and 65 bytes, and views into larger buffers', () => {
    for (const length of [0, 1, 63, 64, 65, 200]) {
      const text = 'k'.repeat(length)
      assert.equal(stringCodec.decode(stringCodec.encode(text)), text)
    }
    const buffer = stringCodec.encode('xx-bulk-000042-yy')
    assert.equal(stringCodec.decode(buffer.subarray(3, 14)), 'bulk-000042')
    assert.deepEqual(jsonCodec<{ title: string }>().decode(jsonCodec().encode({ title: 'Buy milk' })), { title: 'Buy milk' })
  })
})
