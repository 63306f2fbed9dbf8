import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { lpStream, pbStream } from '@libp2p/utils'
import { ClockSet, DIFF_PROTOCOL, MemStore, encodeDiff, encodeDiffRequest } from '../../../src/index.ts'
import type { Libp2p } from 'libp2p'
import { DiffRequestMessage, DiffResponseMessage } from '../../../src/protocols/diff/pb/diff.ts'
import { bytes, connect, startPeer, stopAll, waitFor, type TestPeer } from '../mesh-fixture.ts'
import { attackerNode, report, type LoadReport } from './attacker.ts'
import { measure, writesCross } from './store-attack-fixture.ts'

// The fields of narrowed deaths, from an attacker, over real nodes: a request's suspects (the
// responder hashes each suspect it knows dead, so their number is bounded whatever the bitmaps
// claim) and a diff's deaths-withheld flag (a requester asks again once, never in a loop).

describe('narrowed deaths from an attacker, over real nodes', { timeout: 120_000 }, () => {
  const attackers: Array<Libp2p<any>> = []
  const impacts: Record<string, LoadReport> = {}
  let victim: TestPeer
  let friend: TestPeer

  before(async () => {
    victim = await startPeer({}, new MemStore('victim'))
    friend = await startPeer({}, new MemStore('friend'))
    // Dead seqs for suspects to hit: 200 keys written ten times over.
    for (let round = 0; round < 10; round++) for (let i = 0; i < 200; i++) victim.store.set(bytes(`v${i}`), bytes(`${round}`))
    await connect(victim, friend)
    await writesCross([victim, friend], 'before')
  })

  after(async () => {
    await Promise.all(attackers.map(async (node) => { await node.stop() }))
    await stopAll([victim, friend])
    for (const [attack, impact] of Object.entries(impacts)) report(attack, impact)
  })

  /** Sends one raw diff request to the victim; the statuses of what it answers. */
  async function ask (attacker: Libp2p<any>, request: Uint8Array<ArrayBuffer>): Promise<DiffResponseMessage.Status[]> {
    const stream = await attacker.dialProtocol(victim.peer.libp2p.peerId, DIFF_PROTOCOL)
    const messages = pbStream(stream)
    const answered: DiffResponseMessage.Status[] = []
    await messages.write({ mesh: victim.peer.mesh, request }, DiffRequestMessage)
    while (true) {
      const response = await messages.read(DiffResponseMessage, { signal: AbortSignal.timeout(10_000) })
      answered.push(response.status)
      if (response.status !== DiffResponseMessage.Status.FRAME) return answered
    }
  }

  it('suspects past 65,536 are refused as a bad request; 65,536 of the victim\'s own dead seqs are answered', async () => {
    const attacker = await attackerNode()
    attackers.push(attacker)
    await attacker.dial(victim.peer.libp2p.getMultiaddrs()[0])
    const writer = victim.store.replicaId
    const claim = (seqs: number): Uint8Array<ArrayBuffer> => {
      const suspects = new ClockSet()
      suspects.addRange(1, 1 + seqs)
      const request = encodeDiffRequest({ narrowDeaths: true, replicas: [{ replica: writer, seen: ClockSet.of(1), liveDigest: new Uint8Array(8) }] })
      // The encoder leaves out suspects a decoder would refuse: the section is written by hand.
      const set = suspects.serialize()
      const out = new Uint8Array(request.byteLength + 2 + set.byteLength)
      out.set(request)
      out[2] |= 0x20
      out.set([1, 0], request.byteLength)
      out.set(set, request.byteLength + 2)
      return out
    }
    let refused: DiffResponseMessage.Status[] = []
    let served: DiffResponseMessage.Status[] = []
    impacts['suspects'] = await measure(async () => {
      refused = await ask(attacker, claim(2 ** 32))
      served = await ask(attacker, claim(65_536))
    })
    assert.deepEqual(refused, [DiffResponseMessage.Status.BAD_REQUEST])
    assert.equal(served.at(-1), DiffResponseMessage.Status.DONE)
    assert.ok(impacts['suspects'].rssGrowthMiB < 100, `RSS grew ${impacts['suspects'].rssGrowthMiB} MiB`)
    await writesCross([victim, friend], 'after suspects')
  })

  it('a content digest that disagrees costs the responder the proofs of what it holds, bounded by its own state, and changes nothing', async () => {
    const attacker = await attackerNode()
    attackers.push(attacker)
    await attacker.dial(victim.peer.libp2p.getMultiaddrs()[0])
    // The attacker holds what the victim holds (its live digests agree), then lies about contents
    // for every writer: the responder shows its proofs of the live seqs both have seen.
    const mirror = new MemStore('mirror')
    mirror.integrateDiff(victim.store.buildDiff(mirror.requestDiff()))
    const honest = mirror.requestDiff({ hash: false })
    const lie = encodeDiffRequest({ ...honest, replicas: honest.replicas!.map((summary) => ({ ...summary, contentDigest: new Uint8Array(8).fill(0xa5) })) })
    // What the victim knows bounds the answer: everything it holds, and at most a leaf (16 B) and a
    // batch's card, salt and signature (~200 B) for every seq it has seen.
    const seqsSeen = honest.replicas!.reduce((sum, summary) => sum + summary.seen.size, 0)
    const bound = encodeDiff(victim.store.buildDiff(new MemStore().requestDiff())).byteLength + 216 * seqsSeen
    const hashBefore = victim.store.stateHash()
    let answered = 0
    impacts['content digest'] = await measure(async () => {
      for (let i = 0; i < 20; i++) {
        const stream = await attacker.dialProtocol(victim.peer.libp2p.peerId, DIFF_PROTOCOL)
        const messages = pbStream(stream)
        let bytes = 0
        try {
          await messages.write({ mesh: victim.peer.mesh, request: lie }, DiffRequestMessage)
          while (true) {
            const response = await messages.read(DiffResponseMessage, { signal: AbortSignal.timeout(10_000) })
            if (response.status !== DiffResponseMessage.Status.FRAME) {
              assert.ok([DiffResponseMessage.Status.DONE, DiffResponseMessage.Status.RATE_LIMITED].includes(response.status), response.status)
              break
            }
            bytes += response.diff.byteLength
          }
        } catch (err) {
          // The responder's per-peer pull rate closes the stream of a peer that asks too often.
          if ((err as Error).name !== 'StreamStateError') throw err
        }
        assert.ok(bytes <= bound, `an answer of ${bytes} B, beyond the ${bound} B the victim's own state bounds`)
        if (bytes > 0) answered++
      }
    })
    assert.ok(answered > 0, 'at least one lie was answered')
    assert.deepEqual(victim.store.stateHash(), hashBefore)
    assert.ok(impacts['content digest'].rssGrowthMiB < 100, `RSS grew ${impacts['content digest'].rssGrowthMiB} MiB`)
    await writesCross([victim, friend], 'after content digests')
  })

  it('a responder that always withholds deaths gets one request more per pull, never a loop', async () => {
    const server = await attackerNode()
    attackers.push(server)
    let requests = 0
    const withheld = encodeDiff({ needsFullRequest: true, groups: [], deathsWithheld: true })
    await server.handle(DIFF_PROTOCOL, async (stream) => {
      const lp = lpStream(stream)
      await lp.read()
      requests++
      await lp.write(DiffResponseMessage.encode({ status: DiffResponseMessage.Status.FRAME, diff: withheld }))
      await lp.write(DiffResponseMessage.encode({ status: DiffResponseMessage.Status.DONE, diff: new Uint8Array(0) }))
      await stream.close()
    })
    await server.dial(victim.peer.libp2p.getMultiaddrs()[0])
    await waitFor(() => victim.peer.stats().connectedPeers.includes(server.peerId.toString()), 'the victim to take the server for a mesh peer')
    // Whatever pulls the connection started first have ended once they stop adding requests.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const before = requests
    await victim.peer.syncWith(server.peerId)
    assert.ok(requests - before <= 3, `one pull sent ${requests - before} requests: a summary, a full one, and one naming suspects at most`)
    await writesCross([victim, friend], 'after withholding responders')
    await server.stop()
  })
})
