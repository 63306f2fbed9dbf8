import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PullRateLimiter } from '../../src/protocols/diff/pull-rate-limiter.ts'

describe('PullRateLimiter', () => {
  it('grants a burst, then one pull per 1/perSecond, and names the wait', () => {
    const limiter = new PullRateLimiter({ burst: 3, perSecond: 2 })
    const t = 1_000_000
    assert.deepEqual([0, 0, 0].map(() => limiter.take('a', t)), [0, 0, 0])
    assert.equal(limiter.take('a', t), 500)
    assert.equal(limiter.take('a', t + 200), 300)
    assert.equal(limiter.take('a', t + 500), 0)
    assert.equal(limiter.take('a', t + 500), 500)
    // Another peer has a bucket of its own.
    assert.equal(limiter.take('b', t + 500), 0)
  })

  it('refills up to the burst, no further', () => {
    const limiter = new PullRateLimiter({ burst: 2, perSecond: 1 })
    limiter.take('a', 0)
    limiter.take('a', 0)
    const later = 3_600_000
    assert.deepEqual([0, 0, 0].map(() => limiter.take('a', later)), [0, 0, 1000])
  })

  it('keeps buckets for the peers seen most recently only', () => {
    const limiter = new PullRateLimiter({ burst: 1, perSecond: 1 }, 2)
    limiter.take('a', 0)
    limiter.take('b', 0)
    limiter.take('c', 0)
    // a's empty bucket was evicted: it starts full again.
    assert.equal(limiter.take('a', 0), 0)
    assert.equal(limiter.take('c', 0), 1000)
  })
})
