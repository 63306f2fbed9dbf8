// export, import and peer --salvage through the built CLI, on real data directories.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { LevelStore } from '../../src/index.ts'
import { damage, fileOf, listing, writeStore } from '../store/level-damage-fixture.ts'

const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url))
const run = promisify(execFile)
const dirs: string[] = []
after(async () => { await Promise.all(dirs.map(async (dir) => { await rm(dir, { recursive: true, force: true }) })) })

async function dataDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rm-cli-'))
  dirs.push(dir)
  return dir
}

describe('roaring-mesh export and import', () => {
  it('export writes every entry as JSON lines, and import restores them into another data directory', async () => {
    const from = await dataDir()
    const store = await LevelStore.open(join(from, 'store'))
    store.set(new TextEncoder().encode('shopping/milk'), new TextEncoder().encode('2 litres'))
    store.set(Uint8Array.of(0xff), Uint8Array.of(0, 1))
    await store.close()

    const { stdout, stderr } = await run(process.execPath, [BIN, 'export', '--data', from])
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line))
    assert.equal(lines.length, 2)
    assert.ok(lines.some((line) => line.key === 'shopping/milk' && line.value === '2 litres' && line.replica === store.replicaId && line.seq >= 1))
    assert.match(stderr, /exported 2 entries/)

    const file = join(from, 'backup.jsonl')
    await run(process.execPath, [BIN, 'export', file, '--data', from])
    assert.equal((await readFile(file, 'utf8')).trim(), stdout.trim())
    const to = await dataDir()
    const imported = await run(process.execPath, [BIN, 'import', file, '--data', to])
    assert.match(imported.stderr, /imported 2 entries/)
    const restored = await LevelStore.open(join(to, 'store'))
    try {
      assert.deepEqual(restored.get(new TextEncoder().encode('shopping/milk')), new TextEncoder().encode('2 litres'))
      assert.deepEqual(restored.get(Uint8Array.of(0xff)), Uint8Array.of(0, 1))
    } finally {
      await restored.close()
    }
  })

  it('import refuses a line that is not an export line, naming the file and line, with exit code 2', async () => {
    const to = await dataDir()
    const file = join(to, 'bad.jsonl')
    await writeFile(file, `${JSON.stringify({ key: 'k', value: 'v', replica: 'ab'.repeat(16), seq: 1, hlc: { wall: 1, counter: 0 } })}\n{"key":"k"}\n`)
    await assert.rejects(run(process.execPath, [BIN, 'import', file, '--data', to]), (err: any) => err.code === 2 && /bad\.jsonl:2: /.test(err.stderr))
  })

  it('export of a directory with no store fails with a message', async () => {
    const empty = await dataDir()
    await assert.rejects(run(process.execPath, [BIN, 'export', '--data', empty]), (err: any) => err.code === 5 && /there is no store in/.test(err.stderr))
  })
})

describe('roaring-mesh peer on a damaged store', () => {
  it('is refused, pointing to --salvage, with nothing changed; with --salvage it keeps what checks out and runs', async () => {
    const data = await dataDir()
    const store = join(data, 'store')
    const { replicaId } = await writeStore(store)
    await damage(await fileOf(store, '.ldb'), 'scribbled')
    const before = await listing(store)
    const args = [BIN, 'peer', '--data', data, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0']
    await assert.rejects(run(process.execPath, args, { timeout: 30_000 }), (err: any) =>
      // Where the scribble lands decides whether LevelDB or our record checksum notices first.
      err.code === 5 && /fails its checksum|corrupt store/.test(err.stderr) && /--salvage/.test(err.stderr))
    assert.deepEqual(await listing(store), before)

    const peer = spawn(process.execPath, [...args, '--salvage'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const guard = setTimeout(() => peer.kill('SIGKILL'), 30_000)
    let out = ''
    let err = ''
    peer.stderr.on('data', (chunk) => { err += String(chunk) })
    await new Promise<void>((resolve, reject) => {
      peer.stdout.on('data', (chunk) => {
        out += String(chunk)
        if (out.includes('control socket')) resolve()
      })
      peer.once('exit', () => { reject(new Error(`the peer exited: ${err}`)) })
    })
    peer.kill('SIGTERM')
    const code = await new Promise((resolve) => peer.once('exit', resolve))
    clearTimeout(guard)
    assert.equal(code, 0)
    assert.match(err, /salvaged \d+ entries \(\d+ damaged records left behind\); the damaged files are in .*store\.damaged-/)
    assert.match(err, new RegExp(`now writes as replica [0-9a-f]{32} \\(was ${replicaId}\\)`))
    const moved = (await readdir(data)).find((name) => name.startsWith('store.damaged-'))
    assert.ok(moved != null)
    assert.deepEqual(await listing(join(data, moved)), before, 'the damaged files, intact')
  })
})
