// A cleanly closed store with one file damaged (each kind of file: deleted, cut short, scribbled
// over) is refused with a CorruptStoreError and left exactly as it was; salvage keeps every entry
// that checks out, under a new replica id, and moves the damaged files aside intact.
import assert from 'node:assert/strict'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ClassicLevel } from 'classic-level'
import { CorruptStoreError, LevelStore, OutdatedStoreError } from '../../src/index.ts'
import { DAMAGES, FILE_KINDS, damage, fileOf, listing, writeStore } from './level-damage-fixture.ts'
import { LevelFixture } from './level-fixture.ts'

const fixture = new LevelFixture()
after(async () => { await fixture.cleanup() })

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** A directory holding a store with `kind` damaged by `how`, and what the store held. */
async function damaged (kind: typeof FILE_KINDS[number], how: typeof DAMAGES[number]): Promise<{ dir: string, expected: Map<string, string>, replicaId: string }> {
  const dir = join(await fixture.dir(), 'store')
  const { expected, replicaId } = await writeStore(dir)
  await damage(await fileOf(dir, kind), how)
  return { dir, expected, replicaId }
}

describe('LevelStore with a damaged file', () => {
  for (const kind of FILE_KINDS) {
    for (const how of DAMAGES) {
      it(`${kind} ${how}: refused with a CorruptStoreError naming the store, and nothing in it changes`, async () => {
        const { dir } = await damaged(kind, how)
        const before = await listing(dir)
        for (let attempt = 0; attempt < 2; attempt++) {
          await assert.rejects(LevelStore.open(dir), (err: any) => {
            assert.ok(err instanceof CorruptStoreError, `a CorruptStoreError, not ${err?.name}: ${err?.message}`)
            assert.ok(err.message.startsWith(`${dir}: `), err.message)
            return true
          })
          assert.deepEqual(await listing(dir), before, 'the refused open changed no file')
        }
      })

      it(`${kind} ${how}: salvage keeps what checks out, under a new replica id, and moves the damaged files aside intact`, async () => {
        const { dir, expected, replicaId } = await damaged(kind, how)
        const before = await listing(dir)
        const store = await fixture.open(dir, { salvage: true })
        const report = store.salvaged
        assert.ok(report != null)
        assert.notEqual(store.replicaId, replicaId, 'a new replica id')
        assert.ok(report.previousReplicaId == null || report.previousReplicaId === replicaId)
        assert.ok(report.cause instanceof CorruptStoreError)
        assert.deepEqual(await listing(report.movedTo), before, 'the damaged files, moved aside as they were')
        assert.equal(store.size, report.kept)
        for (const [key, value] of store.entries()) assert.equal(hex(value), expected.get(hex(key)), 'every value kept is the one written')
        // A damaged table loses its entries; the others lose at most the last commit (in the log).
        if (kind !== '.ldb') assert.ok(store.size >= 300, `kept ${store.size}`)
        await fixture.close(store)
        const reopened = await fixture.open(dir)
        assert.equal(reopened.salvaged, undefined)
        assert.equal(reopened.size, report.kept)
        await fixture.close(reopened)
      })
    }
  }
})

describe('LevelStore refuses what is not a database as it is', () => {
  it('a damaged seal is damage too, and salvage opens the store', async () => {
    const dir = join(await fixture.dir(), 'store')
    const { expected } = await writeStore(dir)
    await writeFile(join(dir, 'ROARING-MESH-SEAL'), '{"replica":')
    await assert.rejects(LevelStore.open(dir), (err: any) => err instanceof CorruptStoreError && /ROARING-MESH-SEAL is damaged/.test(err.message))
    const store = await fixture.open(dir, { salvage: true })
    assert.equal(store.size, expected.size)
    await fixture.close(store)
  })

  it('a directory of other files: nothing is created or removed', async () => {
    const dir = await fixture.dir()
    await writeFile(join(dir, 'notes.txt'), 'mine')
    await mkdir(join(dir, 'photos'))
    await assert.rejects(LevelStore.open(dir), (err: any) => err instanceof CorruptStoreError && /holds files but no database: CURRENT is missing/.test(err.message))
    assert.deepEqual((await readdir(dir)).sort(), ['notes.txt', 'photos'])
  })

  it('a store that opens cleanly is opened as usual with { salvage: true }', async () => {
    const dir = await fixture.dir()
    const { expected, replicaId } = await writeStore(dir)
    const store = await fixture.open(dir, { salvage: true })
    assert.equal(store.salvaged, undefined)
    assert.equal(store.replicaId, replicaId)
    assert.equal(store.size, expected.size)
    await fixture.close(store)
  })
})

describe('LevelStore format 1 (before record checksums)', () => {
  it('is refused, as every store made before writer keys: its replica id is bound to no key', async () => {
    const dir = await fixture.dir()
    const u64 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >> 24) & 0xff, 0, 0, 0, 0]
    const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0))
    const writer = new Uint8Array(16).fill(7)
    const replica = new Uint8Array(16).fill(9)
    const { ClockSet } = await import('../../src/index.ts')
    const seen = new ClockSet()
    seen.addRange(1, 3)
    const value = ascii('hello')
    // What format 1 wrote: no checksums, a 26-byte state.
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.batch([
      { type: 'put', key: Uint8Array.from(ascii('Mformat')), value: Uint8Array.from([...ascii('roaring-mesh store'), 1]) },
      { type: 'put', key: Uint8Array.from(ascii('Mreplica')), value: replica },
      { type: 'put', key: Uint8Array.from(ascii('Mstate')), value: Uint8Array.from([...u64(1), ...u64(0), ...u64(5000), 0, 0]) },
      { type: 'put', key: Uint8Array.from([0x53, ...writer]), value: seen.serialize() },
      { type: 'put', key: Uint8Array.from([0x56, ...ascii('k')]), value: Uint8Array.from([...[1, 0, 0, 0], ...writer, ...u64(2), ...u64(4000), 0, 0, ...[value.length, 0, 0, 0], ...value]) }
    ])
    await db.close()
    seen.dispose()
    await assert.rejects(fixture.open(dir), (err: any) => err instanceof OutdatedStoreError && err.version === 1 && /store format 1 was written before writers were bound to keys/.test(err.message))
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    assert.equal((await raw.get(Uint8Array.from(ascii('Mformat'))))!.at(-1), 1, 'left as it was')
    await raw.close()
  })
})
