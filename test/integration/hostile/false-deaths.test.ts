import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MemStore, encodeDiff, type DeathsRefusedEvent, type Diff } from '../../../src/index.ts'
import type { Libp2p } from 'libp2p'
import { falseDeaths, pull } from '../../store/sync-fixture.ts'
import { bytes, connect, converged, hashOf, startPeer, stopAll, waitFor, type TestPeer } from '../mesh-fixture.ts'
import { attackerNode } from './attacker.ts'
import { serveFrames } from './store-attack-fixture.ts'

// Issue 17 item 3, over real nodes: a member that tells a puller that live entries are dead, or
// that a writer wrote more than it did, is corrected by the next pull from any honest peer. The
// liar is a member that heard everything the writer published (its diffs carry the writer's real
// cards and proofs); it serves a late joiner everything but a share of the writer's live entries,
// which it calls dead, with seqs the writer never wrote called dead too.
//
//   writer ── honest        liar ── joiner ── honest

describe('false deaths heal: a member that lies about deaths, over real nodes', { timeout: 120_000 }, () => {
  let writer: TestPeer
  let honest: TestPeer
  let joiner: TestPeer
  const servers: Array<Libp2p<any>> = []
  const keys = Array.from({ length: 20 }, (_, i) => bytes(`key-${i}`))

  before(async () => {
    writer = await startPeer({}, new MemStore('writer'))
    honest = await startPeer({}, new MemStore('honest'))
    joiner = await startPeer({}, new MemStore('joiner'))
    await connect(writer, honest)
    // An honest history with deaths of every kind: overwrites, deletes, in several commits.
    for (const key of keys) writer.store.set(key, bytes('first'))
    for (const key of keys.slice(0, 5)) writer.store.set(key, bytes('second'))
    for (const key of keys.slice(5, 8)) writer.store.delete(key)
    await waitFor(() => converged([writer, honest]), 'the honest peer to hold the writer\'s history')
  })

  after(async () => {
    await Promise.all(servers.map(async (node) => { await node.stop() }))
    await stopAll([writer, honest, joiner])
  })

  /** A liar's node: it serves every request with `frames`, and connects to the joiner. */
  async function liarServing (frames: Array<Uint8Array<ArrayBuffer>>): Promise<Libp2p<any>> {
    const server = await attackerNode({})
    servers.push(server)
    await serveFrames(server, () => frames)
    await server.dial(joiner.peer.libp2p.getMultiaddrs()[0])
    await waitFor(() => joiner.peer.stats().connectedPeers.includes(server.peerId.toString()), 'the joiner to take the liar for a mesh peer')
    return server
  }

  it('1. a late joiner refuses deaths of entries it never got and of seqs never written, counts them against the liar, and one honest pull restores everything', async () => {
    const liar = new MemStore('liar')
    pull(liar, writer.store as MemStore)
    const id = writer.store.replicaId
    const hidden = new Set<number>()
    const lie = falseDeaths(liar, (seq) => {
      if (seq % 3 !== 0) return false
      hidden.add(seq)
      return true
    }, 100)
    const top = lie.groups[0].deaths!.max()!
    assert.ok(hidden.size >= 3, 'the liar hides some live entries')
    const refusals: DeathsRefusedEvent[] = []
    joiner.store.addEventListener('deaths-refused', (event: DeathsRefusedEvent) => { refusals.push(event) })
    const server = await liarServing([encodeDiff(lie)])
    await joiner.peer.syncWith(server.peerId)
    // The liar's other entries were taken; the ones it called dead were not marked seen.
    assert.ok(joiner.store.size > 0)
    for (const seq of hidden) assert.equal(joiner.store.hasSeen({ replica: id, seq }), false, `seq ${seq} is not seen dead on the liar's word`)
    assert.equal(joiner.store.hasSeen({ replica: id, seq: top }), false, 'nor a seq the writer never wrote')
    assert.ok(refusals.some((event) => event.reason === 'unproven' && event.count >= hidden.size), 'the unproven deaths are reported')
    assert.ok(refusals.some((event) => event.reason === 'unattested'), 'and the claim beyond what the writer\'s key attested')
    assert.ok((joiner.peer.stats().refusedByPeer[server.peerId.toString()]?.deaths ?? 0) >= 1, 'counted against the liar')
    assert.ok(joiner.peer.stats().deathsRefused >= 1)

    // One pull from an honest peer: every entry the liar hid, and the honest deaths, with their evidence.
    await connect(joiner, honest)
    await joiner.peer.syncWith(honest.peer.libp2p.peerId)
    for (const key of keys) assert.deepEqual(joiner.store.get(key), honest.store.get(key))
    assert.equal(hashOf(joiner.store), hashOf(honest.store), 'the joiner and the honest peer agree')
    assert.equal(joiner.peer.stats().refusedByPeer[honest.peer.libp2p.peerId.toString()]?.deaths ?? 0, 0, 'nothing refused from the honest peer')
  })

  it('2. a store holding the entries keeps them when told they are dead: it asks once more, and refuses the lie again unproven', async () => {
    const liar = new MemStore('liar2')
    pull(liar, writer.store as MemStore)
    // Every live entry of the writer called dead.
    const server = await liarServing([encodeDiff(falseDeaths(liar, () => true))])
    const before = joiner.store.size
    const refusedBefore = joiner.peer.stats().deathsRefused
    await joiner.peer.syncWith(server.peerId)
    assert.equal(joiner.store.size, before, 'every entry lives on')
    assert.equal(hashOf(joiner.store), hashOf(honest.store), 'still the honest state')
    assert.ok(joiner.peer.stats().deathsRefused > refusedBefore, 'the lie, named in one more request and still unproven, is refused')
    assert.ok((joiner.peer.stats().refusedByPeer[server.peerId.toString()]?.deaths ?? 0) >= 1, 'counted against the liar')
    // Honest writes still cross.
    writer.store.set(bytes('after'), bytes('1'))
    await waitFor(() => joiner.store.has(bytes('after')), 'a new write to reach the joiner through the honest peer')
  })

  it('3. deaths with forged evidence (a removal batch whose signature is not the remover\'s) refuse the whole frame: nothing changes, the liar is counted', async () => {
    const liar = new MemStore('liar3')
    pull(liar, writer.store as MemStore)
    const lie = falseDeaths(liar, () => true)
    const victims = (writer.store as MemStore).buildDiff(new MemStore('nobody').requestDiff()).groups[0].entries.map((entry) => entry.seq)
    const forged: Diff = {
      ...lie,
      evidence: [{
        remover: liar.replicaId,
        first: 1,
        count: 0,
        removals: victims.map((seq) => ({ replica: writer.store.replicaId, seq, tag: new Uint8Array(8) })),
        whole: { card: { publicKey: liar.writer.publicKey, nonce: liar.writer.nonce }, salt: new Uint8Array(16), signature: new Uint8Array(64), leaves: new Uint8Array(0) }
      }]
    }
    const server = await liarServing([encodeDiff(forged)])
    const before = hashOf(joiner.store)
    const size = joiner.store.size
    const failures = joiner.peer.stats().diffFailures
    await joiner.peer.syncWith(server.peerId)
    assert.ok(joiner.peer.stats().diffFailures > failures, 'the pull failed')
    assert.ok((joiner.peer.stats().refusedByPeer[server.peerId.toString()]?.diffFrames ?? 0) >= 1, 'the frame is counted against the liar')
    assert.equal(joiner.store.size, size, 'every entry lives on')
    assert.equal(hashOf(joiner.store), before, 'nothing changed')
  })
})
