import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { MAX_ANNOUNCED_ADDRESSES, decodeDiscoveryAnnouncement, discoveryTopic, encodeDiscoveryAnnouncement } from '../../../src/node/browser/discovery-announcement.ts'

const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const webrtc = (id = peer): string => `/ip4/127.0.0.1/tcp/9090/ws/p2p/${other.toString()}/p2p-circuit/webrtc/p2p/${id.toString()}`
const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

describe('discovery announcements', () => {
  it('round-trip the sender\'s WebRTC addresses, or none (a Node.js peer saying it is there)', () => {
    assert.deepEqual(decodeDiscoveryAnnouncement(encodeDiscoveryAnnouncement([multiaddr(webrtc())]), peer).map(String), [webrtc()])
    assert.deepEqual(decodeDiscoveryAnnouncement(encodeDiscoveryAnnouncement([]), peer), [])
  })

  it('refuse what no honest peer sends', () => {
    assert.throws(() => decodeDiscoveryAnnouncement(json({ addrs: [webrtc(other)] }), peer), /not a WebRTC address of the sender/)
    assert.throws(() => decodeDiscoveryAnnouncement(json({ addrs: ['/ip4/10.0.0.1/tcp/22'] }), peer), /not a WebRTC address/)
    assert.throws(() => decodeDiscoveryAnnouncement(json({ addrs: Array(MAX_ANNOUNCED_ADDRESSES + 1).fill(webrtc()) }), peer), /without a list/)
    assert.throws(() => decodeDiscoveryAnnouncement(json({ addrs: [1] }), peer), /not a string/)
    assert.throws(() => decodeDiscoveryAnnouncement(json({}), peer), /without a list/)
    assert.throws(() => decodeDiscoveryAnnouncement(new Uint8Array(5000), peer), /announcement of 5000 bytes/)
    assert.throws(() => decodeDiscoveryAnnouncement(new TextEncoder().encode('{'), peer))
  })

  it('go on a topic beside the mesh\'s ops topic, so a private mesh\'s is named after its key', () => {
    assert.equal(discoveryTopic('roaring-mesh/notes/ops/2'), 'roaring-mesh/notes/peers/1')
    assert.equal(discoveryTopic('roaring-mesh/0123456789abcdef0123456789abcdef/ops/2'), 'roaring-mesh/0123456789abcdef0123456789abcdef/peers/1')
  })
})
