import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { lpStream, pbStream } from '@libp2p/utils'
import { createLibp2p, type Libp2p } from 'libp2p'
import { DIFF_PROTOCOL, MemStore, decodeTopicMessage, encodeAnnouncement, encodeDiff, encodeDiffRequest, encodeOps } from '../../src/index.ts'
import { DiffRequestMessage, DiffResponseMessage } from '../../src/protocols/diff/pb/diff.ts'
import { captureLog, type CapturedLog } from './log-capture.ts'
import { bytes, connect, converged, hashOf, startPeer, stopAll, waitFor, type TestPeer } from './mesh-fixture.ts'
import type { Stream } from '@libp2p/interface'

const random = (n: number): Uint8Array<ArrayBuffer> => new Uint8Array(randomBytes(n))
/** How long the victim's diff responder waits on one read or one frame's write. */
const DIFF_TIMEOUT = 1000

/** A bare libp2p node on 127.0.0.1 that an attacker drives by hand. */
async function attackerNode (withPubsub: boolean): Promise<Libp2p<any>> {
  const services: Record<string, any> = { identify: identify() }
  if (withPubsub) services.pubsub = gossipsub()
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services
  })
}

function refused (message: Uint8Array): boolean {
  try {
    decodeTopicMessage(message)
    return false
  } catch {
    return true
  }
}

/** Messages that decodeTopicMessage must refuse (each is checked before it is sent). */
function malformedTopicMessages (): Uint8Array[] {
  const source = new MemStore()
  source.begin()
  source.set(bytes('k'), bytes('v'))
  const valid = encodeOps(source.commitWithOps())
  const messages: Uint8Array[] = [
    new Uint8Array(0),
    Uint8Array.of(1),
    Uint8Array.of(2, 99, 0, 0),
    valid.slice(0, valid.byteLength - 1),
    Uint8Array.of(1, ...valid.subarray(1)),
    encodeAnnouncement(random(16)).slice(0, 17),
    Uint8Array.of(...encodeAnnouncement(random(16)), 0),
    encodeDiff({ needsFullRequest: false, groups: [] }),
    // A set naming writer 0 of an empty replica table.
    Uint8Array.of(2, 1, 0, 0x01, 1, 0x6b, 1, 0x76, 1, 0, 0, 0, 0, 0, 1),
    // A replica count far beyond the message.
    Uint8Array.of(2, 1, 0xff, 0xff, 0xff, 0x7f)
  ]
  while (messages.length < 30) {
    const garbage = random(2 + Math.floor(Math.random() * 299))
    if (messages.length % 2 === 0) garbage.set([2, 1])
    // About one in 8,000 of these is a well-formed ops message by chance (a replica table with no
    // ops, say): that is not garbage, so it is not sent.
    if (refused(garbage)) messages.push(garbage)
  }
  for (const message of messages) assert.throws(() => decodeTopicMessage(message), 'the message is malformed')
  return messages
}

/**
 * Random bytes that are not a diff request: now and then random bytes frame a protobuf that names
 * some other mesh, which the victim refuses as a mesh it does not serve (not counted against a
 * peer: asking for another mesh is no abuse), so those are drawn again.
 */
function garbageRequest (length: number): Uint8Array<ArrayBuffer> {
  while (true) {
    const bytes = random(length)
    let size = 0
    let at = 0
    for (let shift = 0; at < 8 && at < bytes.byteLength; shift += 7) {
      size += (bytes[at] & 0x7f) * 2 ** shift
      if (bytes[at++] < 0x80) break
    }
    if (at + size > bytes.byteLength) return bytes
    try {
      DiffRequestMessage.decode(bytes.subarray(at, at + size))
    } catch {
      return bytes
    }
  }
}

/** Writes raw bytes on a new diff stream to `victim` and waits until the victim ends it (cleanly or not). */
async function sendRaw (attacker: Libp2p, victim: TestPeer, data: Uint8Array): Promise<Stream> {
  const stream = await attacker.dialProtocol(victim.peer.libp2p.peerId, DIFF_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  stream.send(data)
  await stream.close().catch(() => {})
  // The victim ends the stream: a refusal, a reset, or its read timeout.
  const timer = setTimeout(() => { stream.abort(new Error('the victim never ended the stream')) }, 10_000)
  try {
    for await (const chunk of stream) void chunk
  } catch {
    // a reset is what garbage earns
  } finally {
    clearTimeout(timer)
  }
  return stream
}

describe('hostile input against a real peer over TCP', { timeout: 120_000 }, () => {
  const honest: TestPeer[] = []
  const attackers: Libp2p[] = []
  let victim: TestPeer
  let friend: TestPeer
  let log: CapturedLog
  let hash: string

  before(async () => {
    log = captureLog()
    victim = await startPeer({ diff: { timeout: DIFF_TIMEOUT } }, new MemStore(), { logger: log.logger })
    friend = await startPeer()
    honest.push(victim, friend)
    // Enough that a full diff outgrows what the transport buffers for a reader that never reads.
    victim.store.begin()
    for (let i = 0; i < 5000; i++) victim.store.set(random(16), random(128))
    victim.store.commit()
    await connect(victim, friend)
    await waitFor(() => converged([victim, friend]), 'the honest peers to sync')
    hash = hashOf(victim.store)
  })

  after(async () => {
    await Promise.all(attackers.map(async (node) => { await node.stop() }))
    await stopAll(honest)
  })

  it('rejects random bytes and malformed messages published on the mesh topic', async () => {
    const attacker = await attackerNode(true)
    attackers.push(attacker)
    const pubsub = attacker.services.pubsub
    pubsub.subscribe(victim.peer.topic)
    await attacker.dial(victim.peer.libp2p.getMultiaddrs()[0])
    await waitFor(() => pubsub.getSubscribers(victim.peer.topic).some((p: any) => p.equals(victim.peer.libp2p.peerId)), 'the victim\'s subscription to reach the attacker')
    const before = victim.peer.stats().invalidMessages
    const messages = malformedTopicMessages()
    for (const message of messages) await pubsub.publish(victim.peer.topic, message)
    // Each rejection scores the attacker down; once below gossipsub's graylist threshold its
    // further messages are dropped unread, so not every one need reach the validator.
    const victimGossip = victim.peer.libp2p.services.pubsub as any
    const graylisted = (): boolean => victimGossip.getScore(attacker.peerId.toString()) < victimGossip.opts.scoreThresholds.graylistThreshold
    await waitFor(() => victim.peer.stats().invalidMessages >= before + messages.length || graylisted(), 'the victim to reject every message or graylist the attacker')
    assert.ok(victim.peer.stats().invalidMessages >= before + 3, 'the malformed messages are rejected')
    assert.equal(hashOf(victim.store), hash, 'the store is unchanged')
    assert.equal(victim.peer.stats().opsReceived, friend.peer.stats().opsSent, 'no op came from the attacker')
    assert.ok(log.errors.some((line) => line.includes('rejecting a malformed message')), 'the rejection is logged')
  })

  it('refuses garbage, a garbage diff request and an oversized length prefix on the diff protocol', async () => {
    const attacker = await attackerNode(false)
    attackers.push(attacker)
    await attacker.dial(victim.peer.libp2p.getMultiaddrs()[0])
    const before = victim.peer.stats()

    for (let i = 0; i < 5; i++) await sendRaw(attacker, victim, garbageRequest(64 + i * 100))
    // A length prefix of 2^30 bytes: refused before a byte of the body is buffered.
    await sendRaw(attacker, victim, Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x04, ...random(100)))
    // A length prefix promising more than is ever sent: the read times out.
    const stalled = await attacker.dialProtocol(victim.peer.libp2p.peerId, DIFF_PROTOCOL)
    stalled.send(Uint8Array.of(0xe8, 0x07, 1, 2, 3))

    const request = pbStream(await attacker.dialProtocol(victim.peer.libp2p.peerId, DIFF_PROTOCOL))
    await request.write({ mesh: victim.peer.mesh, request: Uint8Array.of(2, 2, ...random(40)) }, DiffRequestMessage)
    const refusal = await request.read(DiffResponseMessage, { signal: AbortSignal.timeout(10_000) })
    assert.equal(refusal.status, DiffResponseMessage.Status.BAD_REQUEST)

    await waitFor(() => stalled.status !== 'open', 'the victim to cut off the incomplete request', 10_000)
    const stats = victim.peer.stats()
    assert.ok(stats.diffRefused > before.diffRefused, 'the garbage request is refused')
    assert.ok(stats.diffServeFailures + stats.diffRefused >= before.diffServeFailures + before.diffRefused + 8, `every bad stream counted: ${JSON.stringify(stats)}`)
    assert.ok(stats.diffServeFailures >= before.diffServeFailures + 2, 'the oversized and the stalled request abort their streams')
    assert.equal(hashOf(victim.store), hash, 'the store is unchanged')
    assert.ok(log.errors.some((line) => line.includes('Message length too long') || line.includes('length')), 'the oversized prefix is logged')
    assert.ok(log.errors.some((line) => line.includes('bad diff request')), 'the garbage request is logged')
    // Each of the 8 streams failed before a request was read, or carried a bad one: all count
    // against the attacker, as refused requests (the stalled one once the victim has cut it, which
    // the attacker may see a moment before the victim counts it).
    const id = attacker.peerId.toString()
    await waitFor(() => (victim.peer.stats().refusedByPeer[id]?.diffRequests ?? 0) >= 8, 'every bad stream to count against the attacker', 5000)
    const refusals = victim.peer.stats().refusedByPeer[id]
    assert.ok(refusals != null && refusals.diffRequests >= 8 && refusals.total === refusals.diffRequests, JSON.stringify(refusals))
    assert.equal(stats.refusedByPeer[friend.peer.libp2p.peerId.toString()], undefined, 'the honest peer is not counted')
  })

  it('cuts off a peer that requests a diff and never reads it, after the timeout', async () => {
    const attacker = await attackerNode(false)
    attackers.push(attacker)
    await attacker.dial(victim.peer.libp2p.getMultiaddrs()[0])
    const failuresBefore = victim.peer.stats().diffServeFailures
    const stream = await attacker.dialProtocol(victim.peer.libp2p.peerId, DIFF_PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(DiffRequestMessage.encode({ mesh: victim.peer.mesh, request: encodeDiffRequest(new MemStore().requestDiff()) }))
    lp.unwrap()
    stream.pause()
    await waitFor(() => victim.peer.stats().diffServeFailures > failuresBefore, 'the victim to abort the stalled stream', 20_000)
    await waitFor(() => stream.status !== 'open', 'the attacker to see its stream reset', 10_000)
    assert.notEqual(stream.status, 'closed', 'the stream was aborted, not completed')
    assert.ok(log.errors.some((line) => line.includes('diff stream from') && line.includes(attacker.peerId.toString())), 'the cut-off is logged')
    assert.equal(attacker.getConnections(victim.peer.libp2p.peerId).length, 1, 'only the stream was cut, not the connection')
  })

  it('survives a responder that answers its pulls with garbage, leaving its store untouched', async () => {
    const attacker = await attackerNode(false)
    attackers.push(attacker)
    const answers: Array<(stream: Stream) => void> = [
      (stream) => { stream.send(random(500)) },
      (stream) => { stream.send(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x04, ...random(100))) },
      (stream) => { const lp = lpStream(stream); void lp.write(DiffResponseMessage.encode({ status: DiffResponseMessage.Status.FRAME, diff: random(300) })) },
      (stream) => { const lp = lpStream(stream); void lp.write(DiffResponseMessage.encode({ status: DiffResponseMessage.Status.FRAME, diff: Uint8Array.of(2, 3, 0, 5) })) },
      (stream) => { const lp = lpStream(stream); void lp.write(Uint8Array.of(0x08, 0x2a, 0x12, 0x01, 0x00)) },
      // The stream ends before DONE.
      (stream) => { void stream.close() }
    ]
    let served = 0
    await attacker.handle(DIFF_PROTOCOL, async (stream) => {
      answers[served++ % answers.length](stream)
    })
    const failuresBefore = victim.peer.stats().diffFailures
    await attacker.dial(victim.peer.libp2p.getMultiaddrs()[0])
    await waitFor(() => victim.peer.stats().connectedPeers.includes(attacker.peerId.toString()), 'the victim to take the attacker for a mesh peer')
    while (served < answers.length) await victim.peer.syncWith(attacker.peerId)
    await waitFor(() => victim.peer.stats().diffFailures >= failuresBefore + answers.length, 'every pull from the attacker to fail')
    assert.equal(hashOf(victim.store), hash, 'the store is unchanged')
    assert.ok(log.errors.some((line) => line.includes('pull from') && line.includes(attacker.peerId.toString())), 'the failed pulls are logged')
    // Answers that fail to decode count against the responder; one that only stalls (the random
    // bytes may read as the start of a long frame) is the link's failure as much as its.
    const refusals = victim.peer.stats().refusedByPeer[attacker.peerId.toString()]
    assert.ok(refusals != null && refusals.diffFrames >= answers.length - 1, JSON.stringify(refusals))
  })

  it('keeps syncing with honest peers afterwards, both ways', async () => {
    friend.store.set(bytes('after-from-friend'), bytes('1'))
    victim.store.set(bytes('after-from-victim'), bytes('2'))
    await waitFor(() => victim.store.has(bytes('after-from-friend')) && friend.store.has(bytes('after-from-victim')), 'writes to cross after the attacks')
    await waitFor(() => converged([victim, friend]), 'the honest peers to converge')
    assert.equal(victim.peer.libp2p.status, 'started')
  })
})
