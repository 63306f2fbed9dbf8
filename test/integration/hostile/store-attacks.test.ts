import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { pbStream } from '@libp2p/utils'
import { ClockSet, DIFF_PROTOCOL, MAX_SEQ, MemStore, WriterKey, encodeDiff, encodeOps, type ForeignDotDetail, type Op } from '../../../src/index.ts'
import { signedDelete } from '../../fuzz/writers.ts'
import type { Libp2p } from 'libp2p'
import { DiffRequestMessage, DiffResponseMessage } from '../../../src/protocols/diff/pb/diff.ts'
import { bytes, connect, startPeer, stopAll, waitFor, type TestPeer } from '../mesh-fixture.ts'
import { attackerNode, joinTopic, report, type LoadReport } from './attacker.ts'
import { measure, serveFrames, writesCross } from './store-attack-fixture.ts'

// Attacks 1-5 of issue 19 (the brick, fabricated writers, quadratic decode, request and deaths
// amplification), each mounted over real nodes against a victim that has an honest friend. Each
// records what it cost the victim's process; the assertions are on behaviour: what the victim
// refuses, that it still owns its seqs, and that its and its friend's writes still cross in 5 s.

const madeUp = (): string => randomBytes(16).toString('hex')
const impacts: Record<string, LoadReport> = {}

/** An ops message whose replica table holds `count` random ids, and one delete. */
function tableMessage (count: number): Uint8Array {
  const message = new Uint8Array(4 + count * 16 + 5)
  message.set([3, 1, 0x80 | (count & 0x7f), count >>> 7])
  message.set(randomBytes(count * 16), 4)
  message.set([0x02, 0, 1, 0, 1], 4 + count * 16)
  return message
}

describe('attacks on what a store keeps, over real nodes', { timeout: 120_000 }, () => {
  const attackers: Array<Libp2p<any>> = []
  let victim: TestPeer
  let friend: TestPeer

  before(async () => {
    victim = await startPeer({}, new MemStore('victim'))
    friend = await startPeer({}, new MemStore('friend'))
    for (let i = 0; i < 200; i++) victim.store.set(bytes(`v${i}`), bytes('1'))
    await connect(victim, friend)
    await writesCross([victim, friend], 'before')
  })

  after(async () => {
    await Promise.all(attackers.map(async (node) => { await node.stop() }))
    await stopAll([victim, friend])
    for (const [attack, impact] of Object.entries(impacts)) report(attack, impact)
  })

  async function newAttacker (withPubsub: boolean): Promise<Libp2p<any>> {
    const node = await attackerNode({ pubsub: withPubsub })
    attackers.push(node)
    return node
  }

  it('1. the brick: a removal of the victim\'s own dot at 2^48 - 1, on the topic and in a diff, moves nothing', async () => {
    const attacker = await newAttacker(true)
    await joinTopic(attacker, victim)
    const id = victim.store.replicaId
    const events: ForeignDotDetail[] = []
    victim.peer.addEventListener('foreign-dot', (event) => { events.push(event.detail) })
    impacts['1 brick'] = await measure(async () => {
      // Signed, by the attacker's own key: a member's removal, valid in every byte.
      const brick = signedDelete(WriterKey.generateSync()!, bytes('v1'), [{ replica: id, seq: MAX_SEQ }], () => randomBytes(8))
      await attacker.services.pubsub.publish(victim.peer.topic, encodeOps(brick))
      await waitFor(() => victim.peer.stats().foreignDots > 0, 'the victim to refuse the brick')
    })
    assert.equal(victim.store.hasSeen({ replica: id, seq: MAX_SEQ }), false)
    assert.equal(events[0].peer?.toString(), attacker.peerId.toString(), 'the event names the publisher')
    assert.equal(events[0].error.seq, MAX_SEQ)
    assert.equal(victim.peer.stats().refusedByPeer[attacker.peerId.toString()]?.foreignDots, 1)
    assert.equal(victim.peer.stats().invalidMessages, 0, 'a well-formed message is not malformed: it is ignored, and its forwarders are not scored down')
    let seq = 0
    victim.store.addEventListener('ops', (event) => { seq = (event.ops[0] as Extract<Op, { kind: 'set' }>).dot.seq }, { once: true })
    await writesCross([victim, friend], 'after the brick')
    assert.ok(seq > 200 && seq < 1000, `the victim's next write took seq ${seq}`)

    // The same through a diff: the friend passed the brick on, and the attacker serves one too.
    const poisoned = encodeDiff({
      needsFullRequest: false,
      groups: [{
        replica: id,
        // A card and proof that are not the victim's: the frame is refused whole, after the alarm.
        card: { publicKey: randomBytes(32), nonce: randomBytes(16) },
        proofs: [{ first: 50_000, count: 1, salt: randomBytes(16), removalsDigest: randomBytes(32), leaves: randomBytes(16), signature: randomBytes(64) }],
        entries: [{ key: bytes('v1'), value: bytes('evil'), seq: 50_000, hlc: { wall: Date.now(), counter: 0 } }],
        deaths: ClockSet.of(MAX_SEQ)
      }]
    })
    const server = await newAttacker(false)
    await serveFrames(server, () => [poisoned])
    await server.dial(victim.peer.libp2p.getMultiaddrs()[0])
    await waitFor(() => victim.peer.stats().connectedPeers.includes(server.peerId.toString()), 'the victim to take the server for a mesh peer')
    await victim.peer.syncWith(server.peerId)
    assert.ok(events.some((event) => event.peer?.equals(server.peerId)), 'the foreign dots of the diff are reported, naming the responder')
    assert.ok(victim.peer.stats().refusedByPeer[server.peerId.toString()]?.foreignDots >= 1)
    assert.deepEqual(victim.store.get(bytes('v1')), bytes('1'), 'the forged entry is not taken')
    await writesCross([victim, friend], 'after the poisoned diff')
    await server.stop()
  })

  it('3. quadratic decode: a 12,000-writer table is refused before it is read', async () => {
    const attacker = await newAttacker(true)
    await joinTopic(attacker, victim)
    const invalidBefore = victim.peer.stats().invalidMessages
    impacts['3 large replica table'] = await measure(async () => {
      for (let m = 0; m < 4; m++) {
        await attacker.services.pubsub.publish(victim.peer.topic, tableMessage(12_000))
      }
      await waitFor(() => victim.peer.stats().invalidMessages >= invalidBefore + 4, 'the tables to be refused')
    })
    await writesCross([victim, friend], 'after large tables')
  })

  it('4. request amplification: requests claiming "seen 1..2^39" cost the responder nothing of the claim', async () => {
    const attacker = await newAttacker(false)
    await attacker.dial(victim.peer.libp2p.getMultiaddrs()[0])
    const claim = (writer: string): Uint8Array<ArrayBuffer> => Uint8Array.of(3, 2, 1, 1, ...Buffer.from(writer, 'hex'), 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f)
    const answered: DiffResponseMessage.Status[] = []
    impacts['4 request amplification'] = await measure(async () => {
      await Promise.all([victim.store.replicaId, friend.store.replicaId, victim.store.replicaId, friend.store.replicaId].map(async (writer) => {
        const stream = await attacker.dialProtocol(victim.peer.libp2p.peerId, DIFF_PROTOCOL).catch(() => undefined)
        if (stream == null) return
        const messages = pbStream(stream)
        try {
          // Beyond the victim's two streams per connection, a stream is reset: that is an answer too.
          await messages.write({ mesh: victim.peer.mesh, request: claim(writer) }, DiffRequestMessage)
          while (true) {
            const response = await messages.read(DiffResponseMessage, { signal: AbortSignal.timeout(10_000) })
            answered.push(response.status)
            if (response.status !== DiffResponseMessage.Status.FRAME) break
          }
        } catch {
          // a refused or reset stream is an answer too
        }
      }))
    })
    assert.ok(answered.includes(DiffResponseMessage.Status.DONE), `the victim served the claims it took: ${answered.join(', ')}`)
    assert.ok(impacts['4 request amplification'].rssGrowthMiB < 200, `RSS grew ${impacts['4 request amplification'].rssGrowthMiB} MiB (the claims built would be 2.4 GB)`)
    await writesCross([victim, friend], 'after amplified requests')
  })

  it('5. deaths amplification: a 50 KB frame declaring 2.4e8 seqs dead is integrated run by run', async () => {
    const attacker = await newAttacker(false)
    const deaths = new ClockSet()
    deaths.addRange(1, 3600 * 65536)
    const frame = encodeDiff({ needsFullRequest: false, groups: [{ replica: madeUp(), entries: [], deaths }] })
    assert.ok(frame.byteLength < 64 * 1024, `a frame of ${frame.byteLength} bytes`)
    await serveFrames(attacker, () => [frame])
    await attacker.dial(victim.peer.libp2p.getMultiaddrs()[0])
    await waitFor(() => victim.peer.stats().connectedPeers.includes(attacker.peerId.toString()), 'the victim to take the attacker for a mesh peer')
    impacts['5 deaths amplification'] = await measure(async () => {
      await victim.peer.syncWith(attacker.peerId)
    })
    await writesCross([victim, friend], 'after amplified deaths')
  })
  // Last: the writers it leaves behind make every later full pull of the victim's larger.
  it('2. fabricated writers: signed removals of 10,000 made-up writers make none known, wait bounded, and pulls keep working', async () => {
    const attacker = await newAttacker(true)
    await joinTopic(attacker, victim)
    const invalidBefore = victim.peer.stats().invalidMessages
    const opsBefore = victim.peer.stats().opsReceived
    // The poisoned diff of attack 1 failed its pull (refused whole): count from here.
    const failuresBefore = victim.peer.stats().diffFailures
    const writer = WriterKey.generateSync()!
    impacts['2 fabricated writers'] = await measure(async () => {
      for (let m = 0; m < 10; m++) {
        const removes = Array.from({ length: 1000 }, (_, i) => ({ replica: madeUp(), seq: 1 + i }))
        await attacker.services.pubsub.publish(victim.peer.topic, encodeOps(signedDelete(writer, bytes(`x${m}`), removes, () => randomBytes(8))))
      }
      // One message naming more writers than a message may.
      await attacker.services.pubsub.publish(victim.peer.topic, tableMessage(1025))
      await waitFor(() => victim.peer.stats().invalidMessages > invalidBefore, 'the oversized table to be refused')
      await waitFor(() => victim.peer.stats().opsReceived >= opsBefore + 10, 'the removals to arrive', 20_000)
    })
    // Removals of entries it never saw wait (at most 4,096 of them), and make no writer known.
    const known = victim.store.requestDiff().replicas!.length
    assert.ok(known <= 2, `the victim keeps ${known} writers`)
    const rounds = victim.peer.stats().diffRounds
    await victim.peer.syncWith(friend.peer.libp2p.peerId)
    await friend.peer.syncWith(victim.peer.libp2p.peerId)
    assert.ok(victim.peer.stats().diffRounds > rounds)
    assert.equal(victim.peer.stats().diffFailures, failuresBefore)
    assert.equal(friend.peer.stats().diffFailures, 0)
    await writesCross([victim, friend], 'after fabricated writers')
  })
})
