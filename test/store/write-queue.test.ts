import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { WriteQueue, type BatchOp } from '../../src/store/level/write-queue.ts'

class FullError extends Error {}
const put = (n: number): BatchOp => ({ type: 'put', key: Uint8Array.of(n), value: Uint8Array.of(n) })
const keys = (ops: BatchOp[]): number[] => ops.map((op) => op.key[0])

/** A disk that is full while `full` is set, recording what it wrote and how often the database was reopened. */
function disk (): { queue: WriteQueue, written: number[][], state: { full: boolean, broken: boolean, recoveries: number } } {
  const written: number[][] = []
  const state = { full: false, broken: false, recoveries: 0 }
  const queue = new WriteQueue(async (ops) => {
    await new Promise((resolve) => setTimeout(resolve, 1))
    if (state.broken) throw new Error('EIO')
    if (state.full) throw Object.assign(new Error('IO error: No space left on device'), { code: 'LEVEL_IO_ERROR' })
    written.push(keys(ops))
  }, {
    full: (err) => /No space/.test((err as Error).message) ? new FullError('full') : undefined,
    recover: async () => { state.recoveries++ }
  })
  return { queue, written, state }
}

describe('WriteQueue on a full disk', () => {
  it('rejects with the typed error, keeps the batch first in line, and writes it with the next batch once there is room', async () => {
    const { queue, written, state } = disk()
    await queue.push([put(1)])
    state.full = true
    await assert.rejects(queue.push([put(2)]), FullError)
    assert.ok(queue.full)
    await assert.rejects(queue.push([put(3)]), FullError, 'still full: the next batch fails too')
    await assert.rejects(queue.idle(), FullError, 'idle tries again, and fails while full')
    state.full = false
    await queue.push([put(4)])
    assert.deepEqual(written, [[1], [2, 3, 4]], 'the failed batches, in order, then the new one, as one batch')
    assert.equal(queue.full, false)
    assert.ok(state.recoveries >= 1, 'the database is reopened before writing again')
    await queue.idle()
  })

  it('idle() alone resumes writing once there is room', async () => {
    const { queue, written, state } = disk()
    state.full = true
    await assert.rejects(queue.push([put(1)]), FullError)
    state.full = false
    await queue.idle()
    assert.deepEqual(written, [[1]])
  })

  it('any other failure is final: every later push fails with it', async () => {
    const { queue, state } = disk()
    state.broken = true
    await assert.rejects(queue.push([put(1)]), /EIO/)
    state.broken = false
    await assert.rejects(queue.push([put(2)]), /EIO/)
    await assert.rejects(queue.idle(), /EIO/)
  })
})
