import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { CorruptStoreError, MemStore, stringCodec } from '../../src/index.ts'
import { bytesToKeyString } from '../../src/store/key-string.ts'
import { PACK_RANGE, readPack, unsealPack } from '../../src/store/level/pack-codec.ts'
import { sealValue, unsealValue } from '../../src/store/level/record-codec.ts'
import { FORMAT_KEY, STATE_KEY, chainKey } from '../../src/store/level/record-keys.ts'
import { decodeState, encodeState } from '../../src/store/level/state-record.ts'
import { LevelFixture, raw, snapshot } from './level-fixture.ts'
import { hex } from './sync-fixture.ts'

const fixture = new LevelFixture()
after(async () => { await fixture.cleanup() })

const strings = { keys: stringCodec, values: stringCodec }

async function records (dir: string): Promise<{ packs: number, entryRecords: number, format: number }> {
  const db = await raw(dir)
  let packs = 0
  let entryRecords = 0
  for await (const key of db.keys()) {
    if (key[0] === 0x54) packs++
    if (key[0] === 0x56) entryRecords++
  }
  const format = (await db.get(FORMAT_KEY))!.at(-1)!
  await db.close()
  return { packs, entryRecords, format }
}

/**
 * Rewrites a closed format 4 store as format 3 wrote it (what a store written before packs holds):
 * one 'V' record per key, sealed, the state counting them, format 3.
 */
async function asFormat3 (dir: string): Promise<void> {
  const db = await raw(dir)
  const ops: Array<{ type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }> = []
  const decided = new Set<string>()
  let keys = 0
  for await (const [key, value] of db.iterator(PACK_RANGE)) {
    ops.push({ type: 'del', key })
    const pack = unsealPack(key, value)
    readPack(pack, (itemKey, entries, start, end) => {
      const name = bytesToKeyString(itemKey)
      if (decided.has(name)) return
      decided.add(name)
      if (entries.length === 0) return
      const stored = chainKey(itemKey)
      ops.push({ type: 'put', key: stored, value: sealValue(stored, pack.slice(start + 4 + itemKey.byteLength, end)) })
      keys++
    })
  }
  const state = decodeState(unsealValue(STATE_KEY, (await db.get(STATE_KEY))!, 3), 3)
  ops.push({ type: 'put', key: STATE_KEY, value: sealValue(STATE_KEY, encodeState({ ...state, keys })) })
  const format = (await db.get(FORMAT_KEY))!.slice()
  format[format.byteLength - 1] = 3
  ops.push({ type: 'put', key: FORMAT_KEY, value: format })
  await db.batch(ops)
  await db.close()
}

async function files (dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const name of await readdir(dir)) if (name !== 'LOG' && name !== 'LOCK' && name !== 'LOG.old') out.set(name, hex(await readFile(join(dir, name))))
  return out
}

/** A store with siblings, deletes, and keys set many times, one commit at a time. */
async function churned (dir: string, commits: number): Promise<unknown> {
  const store = await fixture.open<string, string>(dir, strings)
  const other = new MemStore<string, string>('other', strings)
  for (let i = 0; i < commits; i++) {
    const key = `key ${i % 50}`
    if (i % 11 === 0) store.delete(key)
    else store.set(key, `value ${i}`)
    // A concurrent write at some keys: siblings.
    if (i % 13 === 0) await store.integrateOps([other.insertWithOp(key, `other ${i}`)])
    await store.flush()
  }
  // A clean close signs what nobody heard (its removals are the evidence of deaths), and a proof
  // adds its entries' leaves to the state hash: the store as it closes is what reopens.
  await store.signed()
  const expected = snapshot(store)
  await fixture.close(store)
  return expected
}

describe('LevelStore entry packs', () => {
  it('commits of one write each: the packs stay few, and reopen restores exactly the store', async () => {
    const dir = await fixture.dir()
    const expected = await churned(dir, 400)
    const { packs, entryRecords, format } = await records(dir)
    assert.equal(format, 4)
    assert.equal(entryRecords, 0)
    assert.ok(packs <= 3 * 15, `${packs} packs after 400 commits`)
    const store = await fixture.open<string, string>(dir, strings)
    assert.deepEqual(snapshot(store), expected)
    await fixture.close(store)
  })

  it('a format 3 store (a record per key) opens with nothing lost, and is format 4 from then on', async () => {
    const dir = await fixture.dir()
    const expected = await churned(dir, 120)
    const replicaId = await (async () => {
      const store = await fixture.open(dir)
      const id = store.replicaId
      await fixture.close(store)
      return id
    })()
    await asFormat3(dir)
    const before = await records(dir)
    assert.deepEqual([before.format, before.packs], [3, 0])
    assert.ok(before.entryRecords > 0)
    const store = await fixture.open<string, string>(dir, strings)
    assert.equal(store.replicaId, replicaId)
    assert.deepEqual(snapshot(store), expected)
    store.set('after', 'migration')
    await fixture.close(store)
    const migrated = await records(dir)
    assert.deepEqual([migrated.format, migrated.entryRecords], [4, 0])
    assert.ok(migrated.packs > 0)
    const again = await fixture.open<string, string>(dir, strings)
    assert.equal(again.get('after'), 'migration')
    assert.deepEqual(again.entries().filter(([key]) => key !== 'after'), (expected as { entries: unknown[] }).entries)
    await fixture.close(again)
  })

  it('a damaged format 3 store is refused with nothing on disk changed, and not repacked', async () => {
    const dir = await fixture.dir()
    await churned(dir, 30)
    await asFormat3(dir)
    const db = await raw(dir)
    for await (const [key, value] of db.iterator({ gte: Uint8Array.of(0x56) })) {
      const changed = value.slice()
      changed[changed.byteLength - 5] ^= 1
      await db.put(key, changed)
      break
    }
    await db.close()
    const before = await files(dir)
    await assert.rejects(fixture.open(dir), (err: any) => err instanceof CorruptStoreError && /fails its checksum/.test(err.message))
    assert.deepEqual(await files(dir), before)
    assert.equal((await records(dir)).format, 3)
  })

  it('an entry record left in a format 4 store is damage', async () => {
    const dir = await fixture.dir()
    await churned(dir, 10)
    const db = await raw(dir)
    const key = chainKey(new TextEncoder().encode('stray'))
    await db.put(key, sealValue(key, Uint8Array.of(0, 0, 0, 0)))
    await db.close()
    await assert.rejects(fixture.open(dir), (err: any) => err instanceof CorruptStoreError && /of format 3, in a format 4 store/.test(err.message))
  })
})
