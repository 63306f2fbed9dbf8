import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { ControlClient } from '../../../src/cli/control-client.ts'
import { toBase64 } from '../../../src/cli/control-protocol.ts'
import { Lan, MAIN, NODE_ARGS, cli, converged, peerStatus, waitFor, type Daemon } from './lan-fixture.ts'

/** `roaring-mesh watch --json` on a data directory, its change lines as they come. */
function watch (dataDir: string): { changes: Array<{ origin: string, op: string, key: string, value: string | null }>, stop: () => Promise<void> } {
  const child = spawn(process.execPath, [...NODE_ARGS, MAIN, 'watch', '--json', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
  const changes: Array<{ origin: string, op: string, key: string, value: string | null }> = []
  let buffered = ''
  child.stdout.on('data', (chunk) => {
    buffered += String(chunk)
    const lines = buffered.split('\n')
    buffered = lines.pop()!
    for (const line of lines) if (line !== '') changes.push(JSON.parse(line))
  })
  const closed = new Promise((resolve) => child.on('close', resolve))
  return {
    changes,
    stop: async () => {
      child.kill('SIGINT')
      const timer = setTimeout(() => { child.kill('SIGKILL') }, 10_000)
      await closed
      clearTimeout(timer)
    }
  }
}

async function get (dataDir: string, key: string): Promise<string | undefined> {
  const exit = await cli(['get', key, '--data', dataDir])
  if (exit.code === 1) return undefined
  assert.equal(exit.code, 0, exit.stderr)
  return exit.stdout
}

async function set (dataDir: string, key: string, value: string): Promise<void> {
  const exit = await cli(['set', key, value, '--data', dataDir])
  assert.equal(exit.code, 0, exit.stderr)
}

describe('roaring-mesh peer on a LAN of network namespaces', { timeout: 150_000 }, () => {
  let lan: Lan
  const daemons: Daemon[] = []
  const dirs: string[] = []
  // Redial quickly after a partition heals; ask the network often: the settings the config file sets.
  before(async () => {
    lan = await Lan.create(3, { maxBackoffMs: 3000, mdnsIntervalMs: 3000 })
    for (let i = 1; i <= 3; i++) dirs.push(lan.dataDir(i))
  })
  after(async () => { await lan?.destroy() })

  it('three peers with no bootstrap list find each other, and a CLI write on one shows in watch on the others', async () => {
    for (let i = 1; i <= 3; i++) daemons.push(lan.startDaemon(i))
    for (const daemon of daemons) await daemon.ready()
    await waitFor(() => converged(dirs), 'the three peers to connect to each other')
    for (const daemon of daemons) assert.match(daemon.stdout, /listening \/ip4\/10\.77\.0\.\d\/tcp\/\d+\/p2p\//)

    const watchers = [watch(dirs[1]), watch(dirs[2])]
    try {
      // A watch is live once it has seen something: a marker written on its own peer, again
      // until it shows (the watch process may connect after the first one).
      for (const [i, watcher] of watchers.entries()) {
        await waitFor(async () => {
          await set(dirs[i + 1], `marker-${i + 1}`, 'here')
          return watcher.changes.some((c) => c.key === `marker-${i + 1}`)
        }, 'the watch to start')
      }
      await set(dirs[0], 'greeting', 'hello from n1')
      await set(dirs[0], 'tab\tkey', 'line one\nline two')
      for (const watcher of watchers) {
        await waitFor(() => watcher.changes.some((c) => c.key === 'tab\tkey'), 'the writes to reach the watch')
        assert.deepEqual(watcher.changes.find((c) => c.key === 'greeting'), { origin: 'remote', op: 'set', key: 'greeting', value: 'hello from n1' })
      }
    } finally {
      for (const watcher of watchers) await watcher.stop()
    }
    assert.equal(await get(dirs[2], 'greeting'), 'hello from n1')
    await waitFor(() => converged(dirs), 'the three peers to converge')
    const listed = await cli(['list', '--data', dirs[1]])
    assert.equal(listed.stdout, 'greeting\thello from n1\nmarker-1\there\nmarker-2\there\ntab\\tkey\tline one\\nline two\n')
  })

  it('a second peer on a data directory in use refuses to start, saying why', async () => {
    const second = lan.startDaemon(1)
    const exit = await second.exited
    assert.equal(exit.code, 4, exit.stderr)
    assert.match(exit.stderr, /is in use by another roaring-mesh peer \(pid \d+\)/)
    assert.ok(daemons[0].running, 'the first peer keeps running')
    assert.ok(await peerStatus(dirs[0]) != null, 'and keeps its control socket')
  })

  it('a peer killed with SIGKILL while the others write restarts on its data directory, catches up, and its writes reach everyone', async () => {
    const before = await peerStatus(dirs[2])
    const writer = await ControlClient.connect(`${dirs[0]}/control.sock`, dirs[0])
    try {
      const writes: Array<Promise<unknown>> = []
      for (let i = 0; i < 300; i++) {
        writes.push(writer.request({ op: 'set', key: toBase64(Buffer.from(`burst-${i}`)), value: toBase64(Buffer.from(`value ${i}`)) }))
        if (i === 100) {
          await Promise.all(writes)
          const killed = await daemons[2].stop('SIGKILL')
          assert.equal(killed.signal, 'SIGKILL')
        }
      }
      await Promise.all(writes)
    } finally {
      writer.close()
    }
    await set(dirs[1], 'while-n3-was-down', 'yes')

    daemons[2] = lan.startDaemon(3)
    const restarted = await daemons[2].ready()
    assert.equal(restarted.peerId, before?.peerId, 'the peer keeps its identity across restarts')
    await waitFor(() => converged(dirs), 'the restarted peer to catch up')
    assert.equal(await get(dirs[2], 'burst-299'), 'value 299')
    assert.equal(await get(dirs[2], 'while-n3-was-down'), 'yes')

    await set(dirs[2], 'after-restart', 'from n3')
    await waitFor(async () => await get(dirs[0], 'after-restart') === 'from n3' && await get(dirs[1], 'after-restart') === 'from n3', 'the restarted peer\'s write to reach the others')
  })

  it('a partitioned peer and the rest both write the same keys, and converge when the network heals: LWW among concurrent sets, a set survives a concurrent delete', async () => {
    await set(dirs[0], 'contested', 'before')
    await set(dirs[0], 'set-vs-del', 'before')
    await set(dirs[0], 'deleted-alone', 'before')
    await waitFor(async () => await get(dirs[1], 'deleted-alone') === 'before', 'the keys to reach n2')

    await lan.partition(2)
    try {
      await set(dirs[0], 'contested', 'from n1')
      await set(dirs[0], 'set-vs-del', 'set again by n1')
      // n2 writes after n1: its set carries the later clock and wins.
      await new Promise((resolve) => setTimeout(resolve, 50))
      await set(dirs[1], 'contested', 'from n2')
      assert.equal((await cli(['del', 'set-vs-del', '--data', dirs[1]])).code, 0)
      assert.equal((await cli(['del', 'deleted-alone', '--data', dirs[1]])).code, 0)
      await set(dirs[1], 'n2-offline', 'written during the partition')
    } finally {
      await lan.heal(2)
    }
    await waitFor(() => converged(dirs), 'the peers to converge after the partition', 90_000)
    for (const dir of dirs) {
      assert.equal(await get(dir, 'contested'), 'from n2', 'the later of two concurrent sets wins')
      assert.equal(await get(dir, 'set-vs-del'), 'set again by n1', 'a set the delete had not seen survives it')
      assert.equal(await get(dir, 'deleted-alone'), undefined, 'a delete nobody contested applies everywhere')
      assert.equal(await get(dir, 'n2-offline'), 'written during the partition')
    }
  })

  it('SIGTERM stops every peer cleanly with its store closed', async () => {
    const hash = (await peerStatus(dirs[0]))!.stateHash
    for (const daemon of daemons) {
      const exit = await daemon.stop('SIGTERM')
      assert.equal(exit.code, 0, exit.stderr)
      assert.match(exit.stdout, /stopped\n$/)
    }
    const unreachable = await cli(['get', 'contested', '--data', dirs[0]])
    assert.equal(unreachable.code, 3)
    assert.match(unreachable.stderr, /no peer is running on/)
    // Restarted without a network, it holds what it had.
    const alone = lan.startDaemon(1, ['--no-mdns'])
    assert.equal((await alone.ready()).stateHash, hash)
    assert.equal((await alone.stop('SIGINT')).code, 0)
  })
})
