import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { AntiEntropy, type PullReason } from '../../src/node/anti-entropy.ts'

const neighbour = peerIdFromString('12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf')
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** An AntiEntropy with quick ticks whose state is `moving()`; counts the busy checks and the periodic pulls. */
/** `checks` is the number of busy checks made up to the first periodic pull. */
function ticking (moving: () => boolean): { entropy: AntiEntropy, checks: () => number | undefined, periodic: () => number } {
  const reasons: PullReason[] = []
  let checks = 0
  let checksAtPull: number | undefined
  const entropy = new AntiEntropy(async (_peer, reason) => {
    if (reason === 'periodic') checksAtPull ??= checks
    reasons.push(reason)
  }, {
    interval: 20,
    jitter: 0,
    minTriggeredInterval: 5,
    busy: () => { checks++; return moving() }
  })
  return { entropy, checks: () => checksAtPull, periodic: () => reasons.filter((r) => r === 'periodic').length }
}

describe('AntiEntropy periodic pulls', () => {
  it('puts a tick off while the state moves, and pulls anyway after ten such ticks', async () => {
    const { entropy, checks, periodic } = ticking(() => true)
    entropy.start()
    entropy.connected(neighbour)
    for (let waited = 0; periodic() === 0 && waited < 5000; waited += 5) await sleep(5)
    await entropy.stop()
    assert.ok(periodic() >= 1)
    assert.equal(checks(), 11, 'ten ticks put off, the eleventh pulled')
  })

  it('pulls at the tick when the state stands still', async () => {
    const { entropy, checks, periodic } = ticking(() => false)
    entropy.start()
    entropy.connected(neighbour)
    for (let waited = 0; periodic() === 0 && waited < 5000; waited += 5) await sleep(5)
    await entropy.stop()
    assert.ok(periodic() >= 1)
    assert.equal(checks(), 1)
  })
})
