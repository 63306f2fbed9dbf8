// Signing off the commit (issue 17's "local write speed unchanged"): a commit nobody listens to
// is signed only when its seqs leave the store, a LevelStore signs nothing at commit and signs
// what it restored after a reopen, and queued ops are signed in slices, not in one task.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ClassicLevel } from 'classic-level'
import { EquivocationEvent, MemStore, decodeDiff, encodeDiff, type Op } from '../../src/index.ts'
import { LevelFixture } from './level-fixture.ts'

const fixture = new LevelFixture()
after(async () => { await fixture.cleanup() })
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const PROOF_RECORD = 0x50

async function proofRecords (dir: string): Promise<number> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
  let count = 0
  for await (const key of db.keys()) if (key[0] === PROOF_RECORD) count++
  await db.close()
  return count
}

function pullAll (to: MemStore, from: { buildDiffFrames: MemStore['buildDiffFrames'] }): void {
  for (const frame of from.buildDiffFrames(to.requestDiff(), { maxFrameBytes: 16_384 })) to.integrateDiff(decodeDiff(encodeDiff(frame)))
}

describe('signing off the commit', () => {
  it('a commit nobody listens to is signed when a diff serves it; one listened to sends its ops alone, in seq order after them', async () => {
    const store = new MemStore()
    for (let i = 0; i < 1000; i++) store.set(bytes(`k${i}`), bytes(`v${i}`))
    store.set(bytes('k1'), bytes('overwritten'))
    store.delete(bytes('k2'))
    const sent: Op[] = []
    store.addEventListener('ops', (event) => { sent.push(...event.ops) })
    store.set(bytes('k1'), bytes('listened to'))
    await store.signed()
    assert.deepEqual(sent.map((op) => op.kind === 'set' ? op.dot.seq : -1), [1002], 'only the commit listened to sends ops')
    const peer = new MemStore()
    const equivocations: EquivocationEvent[] = []
    peer.addEventListener('equivocation', (event) => { equivocations.push(event) })
    peer.integrateOps(sent)
    pullAll(peer, store)
    assert.deepEqual(peer.stateHash(), store.stateHash())
    assert.equal(peer.size, 999)
    assert.deepEqual(peer.get(bytes('k1')), bytes('listened to'))
    assert.equal(equivocations.length, 0)
  })

  it('a LevelStore writes no proof at commit, signs what was committed when it closes, so a peer takes every entry after a reopen, and reuses no seq', async () => {
    const dir = await fixture.dir()
    let store = await fixture.open(dir)
    for (let i = 0; i < 300; i++) store.set(bytes(`k${i}`), bytes(`v${i}`))
    store.set(bytes('k7'), bytes('again'))
    await store.flush()
    const lastSeq = 301
    assert.ok(store.hasSeen({ replica: store.replicaId, seq: lastSeq }))
    await fixture.close(store)
    // Signed at close: the removals of commits nobody heard are the evidence of their deaths, and
    // would be lost with the process (a crash loses them: the store then signs its seqs on reopen).
    assert.ok(await proofRecords(dir) > 0, 'what was committed was signed when the store closed')
    store = await fixture.open(dir)
    const peer = new MemStore()
    const equivocations: EquivocationEvent[] = []
    peer.addEventListener('equivocation', (event) => { equivocations.push(event) })
    pullAll(peer, store)
    assert.equal(peer.size, 300)
    assert.deepEqual(peer.get(bytes('k7')), bytes('again'))
    assert.deepEqual(peer.stateHash(), store.stateHash())
    await store.set(bytes('after'), bytes('reopen'))
    pullAll(peer, store)
    assert.deepEqual(peer.stateHash(), store.stateHash())
    assert.ok(store.conflicts(bytes('after'))[0].dot.seq > lastSeq, 'a seq above every one issued before')
    await fixture.close(store)
    assert.ok(await proofRecords(dir) > 0, 'what a diff served was signed, and kept')
    // Reopened again, it signs nothing twice: the proofs it kept cover what it served.
    store = await fixture.open(dir)
    pullAll(peer, store)
    assert.deepEqual(peer.stateHash(), store.stateHash())
    assert.equal(equivocations.length, 0)
    await fixture.close(store)
  })

  it('the ops of a large transaction are signed in slices, and the event loop runs between them', async () => {
    const store = new MemStore()
    let events = 0
    let opsSent = 0
    store.addEventListener('ops', (event) => { events++; opsSent += event.ops.length })
    store.begin()
    for (let i = 0; i < 100_000; i++) store.set(bytes(`k${i}`), bytes('v'))
    store.commit()
    assert.equal(opsSent, 0, 'nothing is signed at commit')
    let ticks = 0
    const ticker = setInterval(() => { ticks++ }, 0)
    await store.signed()
    clearInterval(ticker)
    assert.equal(opsSent, 100_000)
    assert.ok(events >= 100_000 / 64)
    assert.ok(ticks > 1, `timers ran while it signed (${ticks})`)
  })
})
