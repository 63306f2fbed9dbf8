import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Daemon, MAIN, NODE_ARGS, cli, peerStatus, waitFor } from '../integration/lan/lan-fixture.ts'

const occurrences = (text: string, needle: string): number => text.split(needle).length - 1

describe('roaring-mesh peer in a private mesh, on 127.0.0.1', { timeout: 150_000 }, () => {
  let root: string
  const daemons: Daemon[] = []

  /** A daemon on loopback with mDNS off, so that it meets only the peers it is told of. */
  function start (name: string, args: string[] = []): Daemon {
    const dataDir = join(root, name)
    const child = spawn(process.execPath, [...NODE_ARGS, MAIN, 'peer', '--data', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const daemon = new Daemon(child, dataDir)
    daemons.push(daemon)
    return daemon
  }

  before(async () => { root = await mkdtemp(join(tmpdir(), 'rm-private-')) })
  after(async () => {
    await Promise.all(daemons.map(async (daemon) => await daemon.stop('SIGKILL')))
    await rm(root, { recursive: true, force: true })
  })

  it('two daemons with their own keys do not sync, and each says once whom it refused', async () => {
    const one = start('one')
    const first = await one.ready()
    assert.match(one.stdout, /mesh "default" is private/)
    assert.equal((await stat(join(one.dataDir, 'mesh.key'))).mode & 0o777, 0o600, 'the mesh key is owner-only')
    assert.equal((await cli(['set', 'secret', 'only-for-members', '--data', one.dataDir])).code, 0)

    const two = start('two', ['--bootstrap', first.addresses[0]])
    const second = await two.ready()
    await waitFor(() => one.stderr.includes(`refused ${second.peerId}`) && two.stderr.includes(`refused ${first.peerId}`), 'both daemons to refuse each other')
    // The dialer redials a refused bootstrap peer with backoff: the refusal is still said once.
    await new Promise((resolve) => setTimeout(resolve, 4000))
    assert.equal(occurrences(one.stderr, `refused ${second.peerId}`), 1, one.stderr)
    assert.equal(occurrences(two.stderr, `refused ${first.peerId}`), 1, two.stderr)
    assert.equal((await cli(['get', 'secret', '--data', two.dataDir])).code, 1, 'nothing synced')
    assert.deepEqual((await peerStatus(two.dataDir))?.peers, [])
    await two.stop()
  })

  it('a daemon that joins with an invite syncs', async () => {
    const one = daemons[0]
    const invite = await cli(['invite', '--data', one.dataDir])
    assert.equal(invite.code, 0, invite.stderr)
    assert.match(invite.stdout.trim(), /^roaring-mesh:\/\/invite\/[A-Za-z0-9_-]+$/)
    const started = performance.now()
    const three = start('three', ['--join', invite.stdout.trim()])
    await three.ready()
    await waitFor(async () => (await cli(['get', 'secret', '--data', three.dataDir])).stdout === 'only-for-members', 'the invited daemon to sync')
    process.stdout.write(`# a daemon that joined with an invite synced ${Math.round(performance.now() - started)} ms after it was started\n`)
    assert.equal((await cli(['set', 'back', 'from-three', '--data', three.dataDir])).code, 0)
    await waitFor(async () => (await cli(['get', 'back', '--data', one.dataDir])).stdout === 'from-three', 'a write to come back')
  })

  it('refuses to start on a data directory or key other users can read or write, saying how to fix it', async () => {
    const open = join(root, 'shared-dir')
    await mkdir(open, { mode: 0o700 })
    await chmod(open, 0o755)
    let exit = await start('shared-dir').exited
    assert.equal(exit.code, 7)
    assert.equal(exit.stderr.trim(), `roaring-mesh: ${open} is readable by other users (mode 755): run "chmod 700 ${open}" and start again`)

    const leaky = join(root, 'leaky-key')
    await mkdir(leaky, { mode: 0o700 })
    await writeFile(join(leaky, 'peer.key'), 'x', { mode: 0o666 })
    await chmod(join(leaky, 'peer.key'), 0o666)
    exit = await start('leaky-key').exited
    assert.equal(exit.code, 7)
    assert.match(exit.stderr, new RegExp(`peer\\.key is writable by other users \\(mode 666\\): run "chmod 600 .*peer\\.key"`))
  })

  it('--open runs an open mesh, and says so', async () => {
    const open = start('open', ['--open'])
    await open.ready()
    assert.match(open.stdout, /mesh "default" is OPEN/)
    const invite = await cli(['invite', '--data', open.dataDir])
    assert.equal(invite.code, 2)
    assert.match(invite.stderr, /open mesh/)
    await open.stop()
  })
})
