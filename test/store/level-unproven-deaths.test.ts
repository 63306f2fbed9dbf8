// A commit nobody listens to hands its removals to the signer, which signs them later: a crash
// before that lost them, and the deaths they caused had no evidence, so a peer holding the
// removed entries kept them. A LevelStore signs such deaths again when it opens.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { MemStore, decodeDiff, encodeDiff, type ReplicaStore } from '../../src/index.ts'
import { LevelFixture, raw } from './level-fixture.ts'
import { hex } from './sync-fixture.ts'

const fixture = new LevelFixture()
after(async () => { await fixture.cleanup() })

const child = fileURLToPath(new URL('./level-unproven-deaths-child.ts', import.meta.url))
const te = (text: string): Uint8Array => new TextEncoder().encode(text)
const td = (bytes: Uint8Array | undefined): string | undefined => bytes == null ? undefined : new TextDecoder().decode(bytes)

/** Runs the child on `dir` until it kills itself; returns the diff it served before its last commits. */
async function writeAndCrash (dir: string): Promise<Uint8Array> {
  const proc = spawn(process.execPath, [...process.execArgv, child, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => { resolve() }))
  const guard = setTimeout(() => proc.kill('SIGKILL'), 60_000)
  let diff: Uint8Array | undefined
  let written = false
  for await (const line of createInterface({ input: proc.stdout })) {
    if (line.startsWith('diff ')) diff = Buffer.from(line.slice(5), 'hex')
    else if (line === 'written') written = true
  }
  await exited
  clearTimeout(guard)
  assert.equal(proc.signalCode, 'SIGKILL')
  assert.ok(written && diff != null, 'the child wrote everything before it was killed')
  return diff
}

async function pull (to: ReplicaStore, from: ReplicaStore): Promise<void> {
  for (const frame of from.buildDiffFrames(to.requestDiff(), { maxFrameBytes: 16_384 })) await to.integrateDiff(decodeDiff(encodeDiff(frame)))
}

/** How many proof records ('P') the store at `dir` (closed) holds. */
async function proofRecords (dir: string): Promise<number> {
  const db = await raw(dir)
  let count = 0
  try {
    for await (const key of db.keys()) if (key[0] === 0x50) count++
  } finally {
    await db.close()
  }
  return count
}

describe('removals waiting to be signed when a LevelStore is killed', () => {
  it('are signed when it reopens: a peer holding the removed entries pulls their deaths, with one state hash and no stale sibling', async () => {
    const dir = await fixture.dir()
    const served = await writeAndCrash(dir)
    const peer = new MemStore('peer')
    await peer.integrateDiff(decodeDiff(served))
    assert.equal(td(peer.get(te('mine-0'))), 'v0')
    const refused: Event[] = []
    peer.addEventListener('deaths-refused', (event) => { refused.push(event) })

    const store = await fixture.open(dir)
    await pull(peer, store)
    // As DiffSync.pull does: the seqs the crash skipped make the writer's dead set too big to
    // send with evidence for deaths the peer has seen, so it asks once more for those it holds live.
    if (peer.deathsInDoubt()) await pull(peer, store)
    assert.equal(refused.length, 0, 'no death is refused for lack of evidence')
    for (let i = 0; i < 10; i++) assert.deepEqual(peer.conflicts(te(`mine-${i}`)).map((sibling) => td(sibling.value)), [`new ${i}`], `mine-${i}: the overwritten entry is dead`)
    for (let i = 10; i < 20; i++) assert.equal(peer.get(te(`mine-${i}`)), undefined, `mine-${i}: deleted`)
    assert.deepEqual(peer.conflicts(te('theirs-0')).map((sibling) => td(sibling.value)), ['mine now'], 'another writer\'s entry overwritten')
    assert.equal(peer.get(te('theirs-1')), undefined, 'another writer\'s entry deleted')
    assert.equal(hex(peer.stateHash()), hex(store.stateHash()))
    assert.equal(peer.size, store.size)

    // The evidence is on disk: a second reopen signs nothing more, and still serves it.
    await fixture.close(store)
    const records = await proofRecords(dir)
    const again = await fixture.open(dir)
    const late = new MemStore('late')
    await late.integrateDiff(decodeDiff(served))
    late.addEventListener('deaths-refused', (event) => { refused.push(event) })
    await pull(late, again)
    if (late.deathsInDoubt()) await pull(late, again)
    assert.equal(refused.length, 0)
    assert.equal(hex(late.stateHash()), hex(again.stateHash()))
    assert.equal(late.conflicts(te('mine-0')).length, 1)
    await fixture.close(again)
    assert.equal(await proofRecords(dir), records, 'nothing signed anew')
  })

  it('a clean close and reopen signs nothing new', async () => {
    const dir = await fixture.dir()
    const store = await fixture.open(dir)
    for (let i = 0; i < 40; i++) store.set(te(`k${i}`), te(`v${i}`))
    store.buildDiff(new MemStore().requestDiff())
    for (let i = 0; i < 10; i++) store.set(te(`k${i}`), te(`new ${i}`))
    for (let i = 10; i < 20; i++) store.delete(te(`k${i}`))
    await fixture.close(store)
    const records = await proofRecords(dir)
    const reopened = await fixture.open(dir)
    const hash = hex(reopened.stateHash())
    await fixture.close(reopened)
    assert.equal(await proofRecords(dir), records, 'the close signed every removal: the open finds none without evidence')
    const third = await fixture.open(dir)
    assert.equal(hex(third.stateHash()), hash)
    await fixture.close(third)
  })
})
