import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { randomBytes } from 'node:crypto'
import '../../src/index.ts'
import { nodeEd25519 } from '../../src/store/writer-keys/node-ed25519.ts'
import { VerifyThread } from '../../src/store/writer-keys/node-verify-thread.ts'

describe('verifying signatures in a worker thread', () => {
  it('answers as node:crypto on this thread does, for requests made in one task and in several', async () => {
    let here = 0
    const thread = new VerifyThread((publicKey, message, signature) => {
      here++
      return nodeEd25519.verify(publicKey, message, signature) as boolean
    })
    const keys = nodeEd25519.generate()
    const digest = new Uint8Array(randomBytes(32))
    const signature = nodeEd25519.sign(keys.secretKey, digest) as Uint8Array
    const forged = signature.slice()
    forged[5] ^= 1
    const other = new Uint8Array(randomBytes(32))
    const answers = await Promise.all([
      thread.verify(keys.publicKey, digest, signature),
      thread.verify(keys.publicKey, digest, forged),
      thread.verify(keys.publicKey, other, signature),
      thread.verify(nodeEd25519.generate().publicKey, digest, signature)
    ])
    assert.deepEqual(answers, [true, false, false, false])
    assert.equal(here, 0, 'every 32-byte digest was verified in the worker')
    assert.equal(await thread.verify(keys.publicKey, digest, signature), true)
    // Anything but a 32-byte digest is verified here.
    const long = new Uint8Array(100)
    assert.equal(await thread.verify(keys.publicKey, long, nodeEd25519.sign(keys.secretKey, long) as Uint8Array), true)
    assert.equal(here, 1)
  })
})
