import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RefusalCounter } from '../../src/node/refusal-counter.ts'

describe('RefusalCounter', () => {
  it('counts refusals per peer and kind, with a total', () => {
    const counter = new RefusalCounter()
    counter.count('a', 'topicMessages')
    counter.count('a', 'topicMessages')
    counter.count('a', 'rateLimited')
    counter.count('b', 'foreignDots')
    assert.deepEqual(counter.snapshot(), {
      a: { topicMessages: 2, diffFrames: 0, diffRequests: 0, rateLimited: 1, foreignDots: 0, deaths: 0, total: 3 },
      b: { topicMessages: 0, diffFrames: 0, diffRequests: 0, rateLimited: 0, foreignDots: 1, deaths: 0, total: 1 }
    })
  })

  it('keeps the peers refused most recently, dropping the oldest', () => {
    const counter = new RefusalCounter(3)
    for (const peer of ['a', 'b', 'c']) counter.count(peer, 'diffRequests')
    counter.count('a', 'diffRequests')
    counter.count('d', 'diffRequests')
    assert.deepEqual(Object.keys(counter.snapshot()).sort(), ['a', 'c', 'd'])
    assert.equal(counter.snapshot().a.total, 2)
  })

  it('hands out copies', () => {
    const counter = new RefusalCounter()
    counter.count('a', 'diffFrames')
    counter.snapshot().a.diffFrames = 100
    assert.equal(counter.snapshot().a.diffFrames, 1)
  })
})
