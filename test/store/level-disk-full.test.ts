// A LevelStore on a small tmpfs (in a mount namespace of its own, so nothing outside sees it) that
// fills up: writes fail with StoreFullError, nothing committed is lost or torn, and writing resumes
// once space is freed. Needs what the LAN tests need: root, for unshare and mount.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const child = fileURLToPath(new URL('./level-disk-full-child.ts', import.meta.url))
const dirs: string[] = []
after(async () => { await Promise.all(dirs.map(async (dir) => { await rm(dir, { recursive: true, force: true }) })) })

/** Why a mount namespace with a tmpfs cannot be made here, if it truly cannot; undefined when it can. */
function missingCapability (): string | undefined {
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=1m none /mnt'], { encoding: 'utf8', timeout: 10_000 })
  if ((probe.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return 'unshare(1) is not installed'
  if (probe.status !== 0 && /Operation not permitted|Permission denied/.test(probe.stderr)) return `no permission for a mount namespace and tmpfs (needs root or CAP_SYS_ADMIN): ${probe.stderr.trim()}`
  return undefined
}

const skip = missingCapability()

describe('LevelStore on a full disk', () => {
  it('fails writes with StoreFullError, loses nothing committed, and resumes once space is freed', { skip }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roaring-mesh-full-'))
    dirs.push(dir)
    const node = [process.execPath, ...process.execArgv, child, dir].map((arg) => `'${arg}'`).join(' ')
    const proc = spawn('unshare', ['-m', 'sh', '-c', `set -e; mount -t tmpfs -o size=8m none '${dir}'; exec ${node}`], { stdio: ['ignore', 'pipe', 'pipe'] })
    const guard = setTimeout(() => proc.kill('SIGKILL'), 90_000)
    let out = ''
    let err = ''
    proc.stdout.on('data', (chunk) => { out += String(chunk) })
    proc.stderr.on('data', (chunk) => { err += String(chunk) })
    const code = await new Promise<number | null>((resolve) => proc.once('close', resolve))
    clearTimeout(guard)
    assert.equal(code, 0, `the child failed: ${err}`)
    const steps = Object.fromEntries(out.trim().split('\n').map((line) => JSON.parse(line)).map((line) => [line.step, line]))

    assert.equal(steps.full.name, 'StoreFullError', steps.full.message)
    assert.equal(steps.full.code, 'ENOSPC')
    assert.ok(steps.full.typed)
    assert.ok(steps.full.commits > 0, 'some commits fit before the disk filled')
    assert.equal(steps['still-full'].flush, 'StoreFullError', 'while full, flush fails the same way')
    assert.deepEqual(steps.freed, { step: 'freed', flush: 'resolved', commit: 'resolved' }, 'writing resumes once space is freed')
    const reopened = steps.reopened
    assert.equal(reopened.missing, 0, `every commit that resolved is there after a reopen (${reopened.committed} entries)`)
    assert.ok(reopened.failedCommitKept && reopened.whileFullKept, 'the commits that met the full disk were written once there was room')
    assert.ok(reopened.afterKept)
  })
})
