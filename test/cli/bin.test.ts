// The package's bin runs the compiled CLI in dist/ (npm test builds it first).
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, it } from 'node:test'

const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url))
const run = promisify(execFile)

describe('roaring-mesh bin', () => {
  it('runs the built CLI: help, and an actionable error with its exit code', async () => {
    const help = await run(process.execPath, [BIN, '--help'])
    assert.match(help.stdout, /^usage: roaring-mesh <command>/)
    await assert.rejects(run(process.execPath, [BIN, 'get', 'k', '--data', '/nonexistent/roaring-mesh']), (err: any) =>
      err.code === 3 && /no peer is running on \/nonexistent\/roaring-mesh/.test(err.stderr))
  })

  it('says in one line, exit code 5, that a listen port is taken', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    const data = await mkdtemp(join(tmpdir(), 'rm-bin-'))
    try {
      await assert.rejects(run(process.execPath, [BIN, 'peer', '--data', data, '--open', '--no-mdns', '--listen', `/ip4/127.0.0.1/tcp/${port}`], { timeout: 30_000 }), (err: any) => {
        const lines = String(err.stderr).trim().split('\n').filter((line) => line.startsWith('roaring-mesh:'))
        return err.code === 5 && lines.length === 1 && /cannot start the peer .*EADDRINUSE: address already in use/.test(lines[0]) && !/ at /.test(err.stderr)
      })
    } finally {
      taken.close()
      await rm(data, { recursive: true, force: true })
    }
  })
})
