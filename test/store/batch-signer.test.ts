import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import '../../src/index.ts'
import { BatchSigner } from '../../src/store/writer-keys/batch-signer.ts'
import { WriterKey } from '../../src/store/writer-keys/writer-key.ts'
import { checkOpsSignatures, proofsOfOps } from '../../src/store/writer-keys/ops-proofs.ts'
import type { BatchProof } from '../../src/store/diff.ts'
import type { Op } from '../../src/store/types.ts'

/** A signer of one writer's commits, each a set of its own, and what it hands on. */
function makeSigner (): { commit: (count: number) => void, signer: BatchSigner, batches: Op[][], proofs: BatchProof[] } {
  const key = WriterKey.generateSync()
  const batches: Op[][] = []
  const proofs: BatchProof[] = []
  let seq = 1
  const signer = new BatchSigner(key, {
    tagOf: () => undefined,
    entryAt: () => undefined,
    nextSeen: (from) => from,
    issuedTo: () => seq,
    sealed: (proof) => { proofs.push(proof) },
    signed: (ops) => { batches.push(ops) },
    // Every commit schedules its slice from a microtask: the test steps through them without timers.
    windowMs: 0
  })
  const commit = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const op: Op = { kind: 'set', key: new Uint8Array([seq & 255, seq >> 8]), value: new Uint8Array(8), dot: { replica: key.replicaId, seq }, hlc: { wall: 1, counter: seq }, removes: [] }
      signer.add([op], seq++)
    }
  }
  return { commit, signer, batches, proofs }
}

const microtasks = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }

describe('the batch signer', () => {
  it('in a burst, holds a trailing partial batch back once so that the next commits fill it; what is awaited is signed whole', async () => {
    const { commit, signer, batches } = makeSigner()
    // Bursts of 100 one-set commits, each followed by the slice its microtask runs.
    for (let burst = 0; burst < 10; burst++) {
      commit(100)
      await microtasks()
    }
    await signer.opsSent()
    const sizes = batches.map((ops) => ops.length)
    assert.equal(sizes.reduce((a, b) => a + b, 0), 1000, 'every op is handed on, once')
    // The first slice saw no burst yet, so it may seal 64 and 36; from then on every batch is
    // full but the last (without holding back, each burst of 100 would be 64 and 36 again).
    const partial = sizes.slice(0, -1).filter((size) => size < 64)
    assert.ok(partial.length <= 1, `batches of ${sizes.join(', ')}`)
    assert.ok(sizes.length <= 2 + Math.ceil(900 / 64), `batches of ${sizes.join(', ')}`)
    // Every batch handed on is signed, in seq order, and verifies.
    const ops = batches.flat()
    assert.deepEqual(ops.map((op) => op.kind === 'set' && op.dot.seq), Array.from({ length: 1000 }, (_, i) => i + 1))
    checkOpsSignatures(proofsOfOps(ops))
  })

  it('holds nothing back at a low rate: a lone commit is signed at once', async () => {
    const { commit, batches } = makeSigner()
    for (let i = 0; i < 3; i++) {
      commit(1)
      // One turn of the event loop: a slice that ran past its few ms carries on in the next.
      await new Promise((resolve) => setImmediate(resolve))
      assert.equal(batches.length, i + 1)
    }
  })
})
