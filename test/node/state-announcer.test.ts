// Unit tests of the state announcer (src/node/state-announcer.ts) with mocked timers.
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import { StateAnnouncer } from '../../src/node/state-announcer.ts'
import type { PeerId } from '@libp2p/interface'

const peer = (name: string): PeerId => ({ toString: () => name }) as unknown as PeerId
const hash = (n: number): Uint8Array => new Uint8Array([n])

describe('StateAnnouncer', () => {
  let state: number
  let announced: number[]
  let pulled: string[]
  let announcer: StateAnnouncer
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] })
    state = 1
    announced = []
    pulled = []
    announcer = new StateAnnouncer(() => hash(state), (h) => announced.push(h[0]), (p) => pulled.push(p.toString()), { settleMs: 100, jitterMs: 0 })
    announcer.start()
  })
  afterEach(() => {
    announcer.stop()
    mock.timers.reset()
  })

  it('is silent while the state stands still, as it started', () => {
    mock.timers.tick(1000)
    assert.deepEqual(announced, [])
    assert.deepEqual(pulled, [])
  })

  it('announces once the state settled, not while it moves', () => {
    for (let i = 2; i < 6; i++) {
      state = i
      mock.timers.tick(100)
    }
    assert.deepEqual(announced, [], 'still moving at every poll')
    mock.timers.tick(100)
    assert.deepEqual(announced, [5])
    mock.timers.tick(1000)
    assert.deepEqual(announced, [5], 'once')
  })

  it('pulls once, from the latest announcer, only if the settled state still differs', () => {
    announcer.heard(hash(7), peer('a'))
    announcer.heard(hash(8), peer('b'))
    mock.timers.tick(100)
    assert.deepEqual(pulled, ['b'])
    mock.timers.tick(1000)
    assert.deepEqual(pulled, ['b'])
    announcer.heard(hash(9), peer('c'))
    state = 9                            // gossip closed the gap meanwhile
    mock.timers.tick(300)
    assert.deepEqual(pulled, ['b'])
  })
})
