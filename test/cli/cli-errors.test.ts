// Each CLI error found in issue 16, run through the package's bin as a user would: exit code 2
// and one line on stderr that says what to fix, with no stack trace and no peer started.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'

const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url))
const run = promisify(execFile)

describe('roaring-mesh peer: bad flags', () => {
  let data: string
  before(async () => { data = await mkdtemp(join(tmpdir(), 'rm-cli-errors-')) })
  after(async () => { await rm(data, { recursive: true, force: true }) })

  async function refused (flags: string[], message: RegExp): Promise<string> {
    const dir = join(data, String(Math.random()).slice(2))
    let failure: any
    try {
      await run(process.execPath, [BIN, 'peer', '--data', dir, '--open', '--no-mdns', ...flags], { timeout: 30_000 })
    } catch (err) {
      failure = err
    }
    assert.ok(failure != null, `peer ${flags.join(' ')} was accepted`)
    const stderr = String(failure.stderr)
    assert.equal(failure.code, 2, `exit code 2 for ${flags.join(' ')}: ${stderr}`)
    assert.equal(stderr.trimEnd().split('\n').length, 1, `one line: ${stderr}`)
    assert.match(stderr, /^roaring-mesh: /)
    assert.doesNotMatch(stderr, /\n\s+at |Error:/, 'no stack trace')
    assert.match(stderr, message)
    assert.equal(String(failure.stdout), '', 'nothing started')
    assert.deepEqual(await readdir(dir).catch(() => []), [], 'nothing written to the data directory')
    return stderr
  }

  it('--bootstrap garbage', async () => {
    await refused(['--bootstrap', 'garbage'], /bootstrap address "garbage" is not a multiaddr/)
  })

  it('--bootstrap without /p2p/<id>', async () => {
    await refused(['--bootstrap', '/ip4/127.0.0.1/tcp/4001'], /names no peer: it must end in \/p2p\/<peer id>/)
  })

  it('--listen notanaddr, and an address no transport listens on', async () => {
    await refused(['--listen', 'notanaddr'], /listen address "notanaddr" is not a multiaddr/)
    await refused(['--listen', '/ip4/127.0.0.1/udp/5000'], /listen address "\/ip4\/127\.0\.0\.1\/udp\/5000" cannot be listened on: the peer listens on TCP and WebSockets/)
  })

  it('--target-connections abc, 0, -1', async () => {
    const abc = await refused(['--target-connections', 'abc'], /"targetConnections" must be a positive integer, got "abc"/)
    assert.doesNotMatch(abc, /null/)
    await refused(['--target-connections', '0'], /must be a positive integer, got 0/)
    await refused(['--target-connections', '-1'], /--target-connections needs a value; one that starts with "-" is written --target-connections=<value>/)
  })

  it('an unknown option, and an option without its value', async () => {
    const bogus = await refused(['--bogus'], /^roaring-mesh: peer: unknown option --bogus \(see roaring-mesh peer --help\)\n$/)
    assert.equal((bogus.match(/['"]/g) ?? []).length % 2, 0, 'balanced quotes')
    await refused(['--mesh'], /^roaring-mesh: peer: --mesh needs a value \(see roaring-mesh peer --help\)\n$/)
  })
})
