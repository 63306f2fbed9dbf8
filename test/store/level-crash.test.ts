import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { MemStore, decodeDiff, decodeOps, encodeDiff, type LevelStore, type Op, type ReplicaStore } from '../../src/index.ts'
import { LevelFixture } from './level-fixture.ts'
import { hex } from './sync-fixture.ts'

const fixture = new LevelFixture()
after(async () => { await fixture.cleanup() })

const child = fileURLToPath(new URL('./level-crash-child.ts', import.meta.url))
const ROUNDS = 6

/**
 * Runs the writer child until it has reported `minWrites` commits and then a random while
 * more, kills it with SIGKILL (or, with `crashInWrite`, lets it kill itself in the middle of
 * write `minWrites`), and returns the ops it published and how many commits it reported resolved.
 */
async function writeUntilKilled (dir: string, round: number, minWrites: number, crashInWrite: boolean): Promise<{ replicaId: string, published: Op[][], resolved: number }> {
  const crashAt = crashInWrite ? minWrites : -1
  const proc = spawn(process.execPath, [...process.execArgv, child, dir, String(round), String(crashAt)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => { resolve() }))
  const guard = setTimeout(() => proc.kill('SIGKILL'), 60_000)
  let replicaId = ''
  const published: Op[][] = []
  let resolved = 0
  let killAt = Infinity
  for await (const line of createInterface({ input: proc.stdout })) {
    if (line.startsWith('open ')) {
      replicaId = line.slice(5)
      continue
    }
    if (line.startsWith('ops ')) {
      published.push(decodeOps(Buffer.from(line.slice(4), 'hex')))
      continue
    }
    assert.equal(line, 'ok')
    resolved++
    if (resolved === minWrites && !crashInWrite) killAt = Date.now() + Math.random() * 300
    if (Date.now() >= killAt) proc.kill('SIGKILL')
  }
  await exited
  clearTimeout(guard)
  assert.equal(proc.signalCode, 'SIGKILL')
  return { replicaId, published, resolved }
}

function snapshot (store: ReplicaStore): unknown {
  return { hash: hex(store.stateHash()), entries: store.entries().map(([k, v]) => [hex(k), hex(v)]) }
}

async function pull (to: ReplicaStore, from: ReplicaStore): Promise<void> {
  for (const frame of from.buildDiffFrames(to.requestDiff(), { maxFrameBytes: 16_384 })) await to.integrateDiff(decodeDiff(encodeDiff(frame)))
}

const te = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('LevelStore killed with SIGKILL while writing', () => {
  it('keeps every resolved commit, equals a peer that synced with it, and never reuses a seq', async () => {
    const dir = await fixture.dir()
    const peer = new MemStore('peer')
    let replicaId: string | undefined
    for (let round = 0; round < ROUNDS; round++) {
      const run = await writeUntilKilled(dir, round, 20 + Math.floor(Math.random() * 200), round % 2 === 1)
      replicaId ??= run.replicaId
      assert.equal(run.replicaId, replicaId, 'the same writer after every restart')
      // The peer takes the ops the child published: none may be ignored as already seen, which
      // is what a reused seq would look like.
      // (A commit's ops are signed after it commits, so its 'ops' event may trail its promise.)
      for (const ops of run.published) {
        const before = peer.size
        await peer.integrateOps(ops)
        assert.equal(peer.size, before + ops.length, `round ${round}: the peer takes every new write`)
      }
      const store: LevelStore = await fixture.open(dir)
      assert.equal(store.replicaId, replicaId)
      for (let i = 0; i < run.resolved; i++) assert.equal(new TextDecoder().decode(store.get(te(`r${round}-${i}`))), `value ${round}-${i}`, `round ${round}: a resolved commit is there`)
      // One way only: the store must not learn from the peer what it lost (that would hide a
      // reused seq), and the peer must hold nothing the store lacks (nothing was published that
      // did not survive).
      await pull(peer, store)
      assert.deepEqual(snapshot(store), snapshot(peer), `round ${round}: the reopened store equals the peer`)
      await fixture.close(store)
    }
  })
})
