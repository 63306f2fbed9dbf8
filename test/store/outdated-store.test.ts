// Stores written before writers were bound to keys: refused with a typed one-line error that
// changes nothing, and carried over by migrateStore() and `roaring-mesh migrate` without touching
// the old data. The fixture was written by roaring-mesh at c80bc83 (test/fixtures/store-format-2.README.md).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { InvalidArgumentError, LevelStore, MemStore, OutdatedStoreError, generateWriterKey, migrateStore } from '../../src/index.ts'

const FIXTURE = fileURLToPath(new URL('../fixtures/store-format-2', import.meta.url))
const OLD_REPLICA = '8f4ef3bc60a684c02cff905dc72c55f4'
const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url))
const te = (text: string): Uint8Array => new TextEncoder().encode(text)
const td = (bytes: Uint8Array | undefined): string | undefined => bytes == null ? undefined : new TextDecoder().decode(bytes)

const dirs: string[] = []
after(async () => { await Promise.all(dirs.map(async (dir) => { await rm(dir, { recursive: true, force: true }) })) })

/** A copy of the fixture (never opened in place), as `<tmp>/store`. */
async function oldStore (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rm-outdated-'))
  dirs.push(dir)
  await cp(FIXTURE, join(dir, 'store'), { recursive: true })
  return join(dir, 'store')
}

/** Every file's bytes, LevelDB's lock and info log included. */
async function bytesOf (dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const name of (await readdir(dir)).sort()) out[name] = createHash('sha256').update(await readFile(join(dir, name))).digest('hex')
  return out
}

/** What the fixture holds, as its writer left it: key-3 overwritten, key-4 deleted, key-5 with a concurrent sibling. */
function checkCarried (store: LevelStore): void {
  assert.equal(store.size, 20)
  assert.equal(td(store.get(te('key-0'))), 'value 0')
  assert.equal(td(store.get(te('key-3'))), 'value 3, overwritten')
  assert.equal(store.get(te('key-4')), undefined)
  assert.equal(td(store.get(te('from-other'))), 'a remote write')
  assert.equal(store.conflicts(te('key-5')).length, 1, 'siblings become the value a read returned')
  for (const [, value] of store.entries()) assert.ok(value.byteLength > 0)
}

describe('a store written before writer keys', () => {
  it('is refused with OutdatedStoreError, one line naming the versions and what to do, and not a byte changes', async () => {
    const dir = await oldStore()
    const before = await bytesOf(dir)
    await assert.rejects(LevelStore.open(dir), (err: any) => {
      assert.ok(err instanceof OutdatedStoreError, String(err))
      assert.equal(err.version, 2)
      assert.match(err.message, /store format 2 was written before writers were bound to keys; this version opens formats 3 and 4 only/)
      assert.match(err.message, /migrateStore\(/)
      assert.match(err.message, /roaring-mesh migrate/)
      assert.ok(!err.message.includes('\n'))
      return true
    })
    // salvage is for damage: an outdated store is not salvaged, and still untouched.
    await assert.rejects(LevelStore.open(dir, { salvage: true }), OutdatedStoreError)
    assert.deepEqual(await bytesOf(dir), before)
  })

  it('migrateStore() carries its live entries into a new store at its place, and keeps the old one beside it byte for byte', async () => {
    const dir = await oldStore()
    const before = await bytesOf(dir)
    const writer = await generateWriterKey()
    const report = await migrateStore(dir, { writer })
    assert.equal(report.location, dir)
    assert.match(report.oldLocation, /store\.pre-v3-/)
    assert.equal(report.format, 2)
    assert.equal(report.previousReplicaId, OLD_REPLICA)
    assert.equal(report.replicaId, writer.replicaId)
    assert.equal(report.entries, 20)
    assert.deepEqual(await bytesOf(report.oldLocation), before, 'the old store, renamed, unchanged')
    const store = await LevelStore.open(dir)
    try {
      assert.equal(store.replicaId, writer.replicaId)
      checkCarried(store)
      // Its entries are its own signed writes: a fresh peer takes them all.
      const peer = new MemStore()
      peer.integrateDiff(store.buildDiff(peer.requestDiff()))
      assert.deepEqual(peer.stateHash(), store.stateHash())
      assert.equal(peer.size, 20)
    } finally {
      await store.close()
    }
    await assert.rejects(LevelStore.open(report.oldLocation), OutdatedStoreError)
    await assert.rejects(migrateStore(dir), (err: any) => err instanceof InvalidArgumentError && /format 4 already/.test(err.message))
  })

  it('migrateStore() with `to` leaves the old store where it is, untouched, and refuses a target that holds a store', async () => {
    const dir = await oldStore()
    const before = await bytesOf(dir)
    const to = join(dir, '..', 'new-store')
    const report = await migrateStore(dir, { to })
    assert.equal(report.oldLocation, dir)
    assert.deepEqual(await bytesOf(dir), before)
    const store = await LevelStore.open(to)
    checkCarried(store)
    await store.close()
    await assert.rejects(migrateStore(dir, { to }), (err: any) => err instanceof InvalidArgumentError && /holds a store already/.test(err.message))
    assert.deepEqual(await bytesOf(dir), before)
  })

  it('roaring-mesh migrate --data DIR migrates the data directory\'s store, and the peer commands say to run it', async () => {
    const store = await oldStore()
    const data = join(store, '..')
    const run = promisify(execFile)
    await assert.rejects(run(process.execPath, [BIN, 'export', '--data', data]), (err: any) => err.code === 5 && /store format 2 was written before writers were bound to keys; nothing was changed\. Run roaring-mesh migrate --data/.test(err.stderr))
    const { stderr } = await run(process.execPath, [BIN, 'migrate', '--data', data])
    assert.match(stderr, new RegExp(`migrated 20 keys from store format 2 \\(replica ${OLD_REPLICA}\\) into a new store .*kept unchanged at .*store\\.pre-v3-`))
    const { stdout } = await run(process.execPath, [BIN, 'export', '--data', data])
    assert.equal(stdout.trim().split('\n').length, 20)
    await assert.rejects(run(process.execPath, [BIN, 'migrate', '--data', data]), (err: any) => err.code === 5 && /format 4 already/.test(err.stderr))
  })
})

describe('the replicaId option', () => {
  it('is refused with a one-line InvalidArgumentError that says to pass writer', async () => {
    const check = (err: any): boolean => err instanceof InvalidArgumentError && /replicaId option was removed.*pass \{ writer \}/.test(err.message) && !err.message.includes('\n')
    assert.throws(() => new MemStore('a', { replicaId: 'ab'.repeat(16) } as any), check)
    const dir = await mkdtemp(join(tmpdir(), 'rm-replica-id-'))
    dirs.push(dir)
    await assert.rejects(LevelStore.open(join(dir, 'store'), { replicaId: 'ab'.repeat(16) } as any), check)
    await mkdir(join(dir, 'empty'))
    assert.deepEqual(await readdir(dir), ['empty'], 'nothing was created')
  })
})
