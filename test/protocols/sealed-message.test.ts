import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { InvalidMessageError } from '../../src/index.ts'
import { aead, nobleAesGcm, useAead } from '../../src/protocols/topic/aead/aead.ts'
import { nodeAesGcm } from '../../src/protocols/topic/aead/node-aead.ts'
import { SEAL_OVERHEAD, TopicSealer } from '../../src/protocols/topic/sealed-message.ts'

const key = new Uint8Array(randomBytes(32))
const plain = new Uint8Array(randomBytes(1000))

/** Runs `fn` with `backend` registered, then puts back the one before. */
function withAead<T> (backend: typeof nodeAesGcm, fn: () => T): T {
  const before = aead()
  useAead(backend)
  try {
    return fn()
  } finally {
    useAead(before)
  }
}

describe('sealed topic messages', () => {
  it('open under the same key and topic, whichever implementation sealed them (Node.js and browsers interoperate)', () => {
    const sealer = new TopicSealer(key, 'topic-a')
    const opener = new TopicSealer(key, 'topic-a')
    const byNode = withAead(nodeAesGcm, () => sealer.seal(plain))
    const byNoble = withAead(nobleAesGcm, () => sealer.seal(plain))
    assert.equal(byNode.byteLength, plain.byteLength + SEAL_OVERHEAD)
    assert.deepEqual(withAead(nobleAesGcm, () => opener.open(byNode)), plain)
    assert.deepEqual(withAead(nodeAesGcm, () => opener.open(byNoble)), plain)
    assert.notDeepEqual(byNode.subarray(17), byNoble.subarray(17), 'a fresh nonce each time')
  })

  it('refuse another key, another topic, any flipped bit, and truncation, with a typed error', () => {
    const sealed = new TopicSealer(key, 'topic-a').seal(plain)
    assert.throws(() => new TopicSealer(new Uint8Array(randomBytes(32)), 'topic-a').open(sealed), InvalidMessageError)
    assert.throws(() => new TopicSealer(key, 'topic-b').open(sealed), InvalidMessageError)
    for (const at of [0, 1, 17, 29, 40, sealed.byteLength - 1]) {
      const flipped = Uint8Array.from(sealed)
      flipped[at] ^= 1
      assert.throws(() => new TopicSealer(key, 'topic-a').open(flipped), InvalidMessageError, `bit flipped at ${at}`)
    }
    assert.throws(() => new TopicSealer(key, 'topic-a').open(sealed.subarray(0, SEAL_OVERHEAD - 1)), InvalidMessageError)
    assert.throws(() => new TopicSealer(key, 'topic-a').open(plain), InvalidMessageError)
  })
})
