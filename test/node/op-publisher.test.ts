import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OpPublisher } from '../../src/node/op-publisher.ts'
import { decodeOps } from '../../src/protocols/wire/ops-codec.ts'
import { MemStore } from '../../src/index.ts'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const writer = new MemStore()
const op = (i: number) => writer.insertWithOp(Uint8Array.of(i), Uint8Array.of(i))

describe('OpPublisher', () => {
  it('sends a commit at once when the last message is older than the window', async () => {
    const messages: Uint8Array[] = []
    const publisher = new OpPublisher((m) => { messages.push(m) }, { windowMs: 4, busyWindowMs: 10_000, busy: () => false, maxMessageBytes: 65536, oversized: () => {} })
    publisher.push([op(1)])
    await sleep(20)
    publisher.push([op(2)])
    assert.equal(messages.length, 2)
    publisher.stop()
  })

  it('holds commits for the busy window while the topic is busy, then sends them as one message', async () => {
    const messages: Uint8Array[] = []
    let busy = false
    const publisher = new OpPublisher((m) => { messages.push(m) }, { windowMs: 4, busyWindowMs: 60_000, busy: () => busy, maxMessageBytes: 65536, oversized: () => {} })
    publisher.push([op(1)])
    await sleep(20)
    busy = true
    publisher.push([op(2)])
    publisher.push([op(3)])
    assert.equal(messages.length, 1, 'the first went at once, the others wait past the quiet window')
    publisher.stop()
    assert.deepEqual(messages.map((m) => decodeOps(m).length), [1, 2])
  })
})
