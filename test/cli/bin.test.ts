// The package's bin runs the compiled CLI in dist/ (npm test builds it first).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
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
})
