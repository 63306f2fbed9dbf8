import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OpPublisher } from '../../src/node/op-publisher.ts'
import { decodeOps } from '../../src/protocols/wire/ops-codec.ts'
import { MemStore, type Op } from '../../src/index.ts'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const writer = new MemStore()
const op = (i: number): Op => writer.insertWithOp(Uint8Array.of(i), Uint8Array.of(i))

function publisher (windowMs: number): { publisher: OpPublisher, sizes: () => number[] } {
  const messages: Uint8Array[] = []
  const p = new OpPublisher((m) => { messages.push(m) }, { windowMs, maxMessageBytes: 65536, oversized: () => {} })
  return { publisher: p, sizes: () => messages.map((m) => decodeOps(m).length) }
}

describe('OpPublisher', () => {
  it('sends the commits of one task as one message when the task ends', async () => {
    const { publisher: p, sizes } = publisher(4)
    p.push([op(1)])
    p.push([op(2)])
    p.push([op(3)])
    assert.deepEqual(sizes(), [], 'nothing leaves during the task')
    await Promise.resolve()
    assert.deepEqual(sizes(), [3])
    p.stop()
  })

  it('sends a commit at the end of its task when the last message is older than the window', async () => {
    const { publisher: p, sizes } = publisher(4)
    p.push([op(1)])
    await sleep(20)
    p.push([op(2)])
    await Promise.resolve()
    assert.deepEqual(sizes(), [1, 1])
    p.stop()
  })

  it('holds commits within the window of the last message for the next one', async () => {
    const { publisher: p, sizes } = publisher(60_000)
    p.push([op(1)])
    await Promise.resolve()
    p.push([op(2)])
    await sleep(10)
    p.push([op(3)])
    await sleep(10)
    assert.deepEqual(sizes(), [1], 'the others wait for the window')
    p.stop()
    assert.deepEqual(sizes(), [1, 2], 'stop() sends what waits')
  })

  it('splits a burst larger than a message between signed batches only, so that every message verifies', async () => {
    const messages: Uint8Array[] = []
    const p = new OpPublisher((m) => { messages.push(m) }, { windowMs: 4, maxMessageBytes: 65536, oversized: () => {} })
    const source = new MemStore()
    source.addEventListener('ops', (event) => { p.push(event.ops) })
    source.begin()
    for (let i = 0; i < 3000; i++) source.set(Uint8Array.of(i >> 8, i & 255), new Uint8Array(100).fill(i & 255))
    source.commit()
    await source.signed()
    p.stop()
    assert.ok(messages.length > 1, `${messages.length} messages`)
    const peer = new MemStore()
    for (const message of messages) {
      assert.ok(message.byteLength <= 65536)
      peer.integrateOps(decodeOps(message))
    }
    assert.equal(peer.size, 3000)
    assert.deepEqual(peer.stateHash(), source.stateHash())
  })
})
