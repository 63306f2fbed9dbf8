import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'

const CHILD = fileURLToPath(new URL('./clean-shutdown-child.ts', import.meta.url))
/** How long the child may live after printing `stopped` before it counts as held open (generous: a busy 2-core box). */
const GRACE_MS = 15_000

describe('clean shutdown', { timeout: 120_000 }, () => {
  it('a process whose peers synced and stopped exits on its own', async () => {
    // The child needs the same TypeScript flags this process runs with.
    const child = spawn(process.execPath, [...process.execArgv.filter((arg) => !arg.startsWith('--test')), CHILD], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => { stdout += String(chunk) })
    child.stderr.on('data', (chunk) => { stderr += String(chunk) })
    let killer: ReturnType<typeof setTimeout> | undefined
    child.stdout.on('data', () => {
      if (stdout.includes('stopped') && killer == null) killer = setTimeout(() => { child.kill('SIGKILL') }, GRACE_MS)
    })
    const startup = setTimeout(() => { child.kill('SIGKILL') }, 90_000)
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.on('exit', (exitCode, exitSignal) => { resolve([exitCode, exitSignal]) })
    })
    clearTimeout(startup)
    clearTimeout(killer)
    assert.ok(stdout.includes('stopped'), `the child synced and stopped its peers (stderr: ${stderr})`)
    assert.equal(signal, null, `the child was still alive ${GRACE_MS} ms after stopping its peers`)
    assert.equal(code, 0, stderr)
  })
})
