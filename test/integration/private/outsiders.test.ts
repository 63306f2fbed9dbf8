import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { DiffRefusedError, InvalidArgumentError, MemStore, createMeshPeer, encodeAnnouncement, encodeOps, generateMeshKey, nodePreset } from '../../../src/index.ts'
import { captureLog } from '../log-capture.ts'
import { bytes, waitFor } from '../mesh-fixture.ts'
import { startPrivatePeer, type PrivatePeer } from './private-fixture.ts'

const hash = (store: MemStore): string => Buffer.from(store.stateHash()).toString('hex')
const secret = (what: string): string => `${what}-${randomBytes(8).toString('hex')}`

/** Ops an outsider makes up: a set of a key the members hold, with a value of its own. */
function forgedOps (key: string): Uint8Array {
  const forger = new MemStore()
  forger.begin()
  forger.set(bytes(key), bytes('graffiti'))
  return encodeOps(forger.commitWithOps())
}

describe('a private mesh against outsiders, over TCP', { timeout: 120_000 }, () => {
  const meshKey = generateMeshKey()
  const peers: PrivatePeer[] = []
  let a: PrivatePeer
  let b: PrivatePeer
  const secrets = { key: secret('secret-key'), value: secret('secret-value'), later: secret('later-value') }
  const log = captureLog()

  before(async () => {
    a = await startPrivatePeer({ meshKey, logger: log.logger, proofTimeout: 3000 })
    b = await startPrivatePeer({ meshKey })
    peers.push(a, b)
    a.store.set(bytes(secrets.key), bytes(secrets.value))
    const started = performance.now()
    await a.peer.dial(b.peer.libp2p.getMultiaddrs()[0])
    await waitFor(() => b.store.has(bytes(secrets.key)), 'the members to sync')
    process.stdout.write(`# time to first sync with a key: ${Math.round(performance.now() - started)} ms (dial, proof, pull)\n`)
  })

  after(async () => {
    await Promise.all(peers.map(async ({ peer }) => { await peer.stop() }))
  })

  it('rejects a bad key with a typed error', async () => {
    await assert.rejects(createMeshPeer({ store: new MemStore(), meshKey: 'short', libp2p: nodePreset() }), InvalidArgumentError)
    await assert.rejects(createMeshPeer({ store: new MemStore(), meshKey: new Uint8Array(16), libp2p: nodePreset() }), InvalidArgumentError)
    assert.match(generateMeshKey(), /^[A-Za-z0-9_-]{43}$/)
    assert.notEqual(a.peer.topic, 'roaring-mesh/test/ops/3', 'the topic name is derived from the key')
  })

  for (const kind of ['no key', 'a wrong key'] as const) {
    it(`an outsider with ${kind} connects, but pulls nothing, changes nothing and reads nothing`, async () => {
      // The worst case: the outsider learnt the topic name somehow, and publishes on it.
      const outsider = await startPrivatePeer({ meshKey: kind === 'no key' ? undefined : generateMeshKey(), topic: a.peer.topic })
      peers.push(outsider)
      const before = hash(a.store)
      const connection = await outsider.peer.libp2p.dial(a.peer.libp2p.getMultiaddrs()[0])
      assert.equal(connection.status, 'open', 'the transport connects')
      // A write on a member while the outsider is connected.
      a.store.set(bytes(`${secrets.key}-${kind}`), bytes(secrets.later))
      for (let i = 0; i < 10; i++) {
        await outsider.peer.libp2p.services.pubsub.publish(a.peer.topic, i % 2 === 0 ? forgedOps(secrets.key) : encodeAnnouncement(new Uint8Array(16))).catch(() => {})
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      const pulled = outsider.peer.libp2p.services.diffSync!.pull(a.peer.libp2p.peerId, 'test', outsider.store)
      if (kind === 'no key') {
        await assert.rejects(pulled, (err: any) => err instanceof DiffRefusedError && err.reason === 'not-a-member')
      } else {
        // The wrong proof is refused at once and the connection closed: a typed refusal if the pull got in first.
        await assert.rejects(pulled, (err: any) => !(err instanceof DiffRefusedError) || err.reason === 'not-a-member')
      }
      await waitFor(() => outsider.peer.libp2p.getConnections(a.peer.libp2p.peerId).length === 0, 'the member to close the connection')
      assert.equal(outsider.store.size, 0, 'the outsider holds nothing')
      assert.equal(hash(a.store) === before || a.store.has(bytes(`${secrets.key}-${kind}`)), true)
      assert.equal(new TextDecoder().decode(a.store.get(bytes(secrets.key))), secrets.value, 'the forged ops changed nothing')
      assert.ok(!a.peer.stats().connectedPeers.includes(outsider.peer.libp2p.peerId.toString()), 'the outsider never counted as a mesh peer')
      assert.ok(outsider.received.byteLength > 0, 'the outsider did receive bytes')
      for (const value of Object.values(secrets)) assert.ok(!outsider.received.includes(value), `${value} is not in any byte the outsider received`)
    })
  }

  it('logs the refusal of each outsider once, naming it', () => {
    const refusals = log.errors.filter((line) => line.includes('did not prove the mesh key'))
    assert.equal(refusals.length, 2, refusals.join('\n'))
  })

  it('members are unaffected: they keep syncing both ways', async () => {
    b.store.set(bytes('after-b'), bytes('1'))
    a.store.set(bytes('after-a'), bytes('2'))
    await waitFor(() => a.store.has(bytes('after-b')) && b.store.has(bytes('after-a')), 'writes to cross after the outsiders')
    await waitFor(() => hash(a.store) === hash(b.store), 'the members to converge')
    assert.ok(b.received.includes(secrets.value), 'the recorder does see plaintext where there is some: inside a member\'s diff')
  })
})
