import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { describeStatus, statusKey, type StatusInputs } from '../../../src/node/browser/browser-peer-status.ts'

const relay = (connected: boolean): StatusInputs['relays'][number] => ({ address: '/dns4/r/tcp/443/wss/p2p/R', peerId: 'R', connected, failures: connected ? 0 : 2, lastConnected: 1, nextDial: connected ? undefined : 5 })
const base: StatusInputs = { online: true, relays: [relay(true)], directPeers: [], members: [], tabs: [], relaysExpected: true, everLinked: true }

describe('browser peer status', () => {
  it('says online only while a relay is reachable', () => {
    assert.equal(describeStatus(base).state, 'online')
    assert.equal(describeStatus(base).relayReachable, true)
    assert.equal(describeStatus({ ...base, relays: [relay(false)], directPeers: ['B'] }).state, 'relay-unreachable')
  })

  it('says reconnecting once every link is gone, connecting before the first', () => {
    assert.equal(describeStatus({ ...base, relays: [relay(false)] }).state, 'reconnecting')
    assert.equal(describeStatus({ ...base, relays: [relay(false)], everLinked: false }).state, 'connecting')
    // A source of relays that named none yet: still expected, so connecting, not "local".
    assert.equal(describeStatus({ ...base, relays: [], everLinked: false }).state, 'connecting')
  })

  it('says local with no relay given, online with direct peers and no relay given, offline when switched off', () => {
    const local = { ...base, relays: [], relaysExpected: false }
    assert.equal(describeStatus(local).state, 'local')
    assert.equal(describeStatus({ ...local, directPeers: ['B'] }).state, 'online')
    assert.equal(describeStatus({ ...base, online: false }).state, 'offline')
  })

  it('changes its key with links and members, not with the passing of time', () => {
    const status = describeStatus({ ...base, members: [{ peerId: 'M', lastHeard: 1 }] })
    assert.equal(statusKey(status), statusKey(describeStatus({ ...base, members: [{ peerId: 'M', lastHeard: 2 }] })))
    assert.notEqual(statusKey(status), statusKey(describeStatus(base)))
    assert.notEqual(statusKey(status), statusKey(describeStatus({ ...base, relays: [relay(false)], members: [{ peerId: 'M', lastHeard: 1 }] })))
  })
})
