import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Daemon, MAIN, NODE_ARGS, cli, waitFor } from '../integration/lan/lan-fixture.ts'

// `roaring-mesh peer --no-writer-keys`: daemons run so sync with each other, say what they gave
// up, and a data directory made so is refused when started the other way, changing nothing.

describe('roaring-mesh peer --no-writer-keys, on 127.0.0.1', { timeout: 120_000 }, () => {
  let root: string
  const daemons: Daemon[] = []

  function start (name: string, args: string[] = []): Daemon {
    const dataDir = join(root, name)
    const child = spawn(process.execPath, [...NODE_ARGS, MAIN, 'peer', '--data', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--open', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const daemon = new Daemon(child, dataDir)
    daemons.push(daemon)
    return daemon
  }

  before(async () => { root = await mkdtemp(join(tmpdir(), 'rm-unsigned-cli-')) })
  after(async () => {
    await Promise.all(daemons.map(async (daemon) => await daemon.stop('SIGKILL')))
    await rm(root, { recursive: true, force: true })
  })

  it('two daemons run with --no-writer-keys sync, and say that writers are not bound to keys', async () => {
    const one = start('one', ['--no-writer-keys'])
    const first = await one.ready()
    assert.match(one.stdout, /writers are NOT bound to keys/)
    assert.equal((await cli(['set', 'greeting', 'hello', '--data', one.dataDir])).code, 0)
    const two = start('two', ['--no-writer-keys', '--bootstrap', first.addresses[0]])
    await two.ready()
    await waitFor(async () => (await cli(['get', 'greeting', '--data', two.dataDir])).stdout === 'hello', 'the write to reach the second daemon')
    assert.equal((await cli(['set', 'back', 'again', '--data', two.dataDir])).code, 0)
    await waitFor(async () => (await cli(['get', 'back', '--data', one.dataDir])).stdout === 'again', 'a write to come back')
    await two.stop()
    await one.stop()
  })

  it('a data directory made with --no-writer-keys is refused when started without it, and still opens with it', async () => {
    const refused = start('one')
    const exit = await refused.exited
    assert.equal(exit.code, 5)
    assert.match(exit.stderr, /writerKeys: false.*--no-writer-keys.*Nothing was changed/)
    // export opens the store as it was made.
    const exported = await cli(['export', '--data', join(root, 'one')])
    assert.equal(exported.code, 0, exported.stderr)
    assert.match(exported.stdout, /"key":"greeting"/)
    const again = start('one', ['--no-writer-keys'])
    await again.ready()
    assert.equal((await cli(['get', 'greeting', '--data', again.dataDir])).stdout, 'hello')
    await again.stop()
  })
})
