// The entry packs' merges, on a real LevelDB, against a store in memory reduced to a map (the one
// layer under test: what PackLog reads of the store is its view). After any prefix of the batches
// (a crash at any point), loading the packs newest first must give the map's state at that point.

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ClassicLevel } from 'classic-level'
import type { ChainEntry } from '../../src/store/entry-rows.ts'
import { bytesToKeyString } from '../../src/store/key-string.ts'
import { replicaIdFromBytes } from '../../src/store/replica-id.ts'
import type { StoreView } from '../../src/store/store-persistence.ts'
import type { LevelDatabase } from '../../src/store/level/level-backend.ts'
import { PACK_RANGE, PackWriter } from '../../src/store/level/pack-codec.ts'
import { PackLog } from '../../src/store/level/pack-compaction.ts'
import type { BatchOp } from '../../src/store/level/write-queue.ts'

const dirs: string[] = []
after(async () => { await Promise.all(dirs.map(async (dir) => { await rm(dir, { recursive: true, force: true }) })) })

const writerBytes = new Uint8Array(16).fill(5)
const writer = { id: replicaIdFromBytes(writerBytes), idBytes: writerBytes } as unknown as ChainEntry['writer']

/** A store in memory as a map of key (as a string) to chain. */
class MapView {
  readonly chains = new Map<string, ChainEntry[]>()
  readonly nextSeq = 1
  readonly clockTime = { wall: 0, counter: 0 }
  get size (): number { return this.chains.size }
  chainAt (key: Uint8Array): ChainEntry[] | undefined { return this.chains.get(bytesToKeyString(key)) }
}

function keyOf (i: number): Uint8Array {
  return new TextEncoder().encode(`key-${i}`)
}

/** What a view holds, comparable. */
function state (view: MapView): Array<[string, Array<[number, string]>]> {
  return [...view.chains].map(([key, chain]): [string, Array<[number, string]>] => [key, chain.map((entry) => [entry.seq, bytesToKeyString(entry.value)])]).sort((a, b) => a[0] < b[0] ? -1 : 1)
}

async function database (): Promise<ClassicLevel<Uint8Array, Uint8Array>> {
  const dir = await mkdtemp(join(tmpdir(), 'roaring-mesh-packs-'))
  dirs.push(dir)
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  return db
}

/** Loads every pack on disk, newest first, as an open does. */
async function load (db: ClassicLevel<Uint8Array, Uint8Array>): Promise<{ view: MapView, packs: number, items: number }> {
  const view = new MapView()
  const log = new PackLog(db as unknown as LevelDatabase, view as unknown as StoreView, { persist: () => {}, idle: async () => {} })
  const none = new Set<string>()
  let packs = 0
  for await (const [key, value] of db.iterator(PACK_RANGE)) {
    packs++
    log.load(key, value, none, (entryKey, entries) => {
      view.chains.set(bytesToKeyString(entryKey), entries.map((entry) => ({ writer, seq: entry.seq, wall: entry.hlc.wall, counter: entry.hlc.counter, value: entry.value.slice() })))
    })
  }
  return { view, packs, items: log.items }
}

/** One commit: sets (value) or deletes (undefined) keys in the view, and writes their state as packs. */
async function commit (view: MapView, log: PackLog, changes: Array<[number, string | undefined]>, sink: { persist: (ops: BatchOp[]) => void }, seq: { next: number }): Promise<void> {
  const packWriter = new PackWriter()
  for (const [i, value] of changes) {
    const key = keyOf(i)
    if (value == null) view.chains.delete(bytesToKeyString(key))
    else view.chains.set(bytesToKeyString(key), [{ writer, seq: seq.next++, wall: 1, counter: 0, value: new TextEncoder().encode(value) }])
    packWriter.add(key, view.chainAt(key))
  }
  const ops: BatchOp[] = []
  log.write(packWriter, ops)
  sink.persist(ops)
}

describe('entry packs', () => {
  it('commits of one key at a time: small packs are merged, at most 16 of a size class stay, and the packs load as the store is', async () => {
    const db = await database()
    const view = new MapView()
    let tail = Promise.resolve()
    const sink = { persist: (ops: BatchOp[]) => { tail = tail.then(async () => { await db.batch(ops, { sync: false }) }) }, idle: async () => { await tail } }
    const log = new PackLog(db as unknown as LevelDatabase, view as unknown as StoreView, sink)
    const seq = { next: 1 }
    for (let i = 0; i < 600; i++) {
      // 60 keys, each set again and again, every seventh write a delete.
      await commit(view, log, [[i % 60, i % 7 === 0 ? undefined : `value ${i}`]], sink, seq)
      await log.maybeMerge()
      await tail
    }
    const loaded = await load(db)
    assert.deepEqual(state(loaded.view), state(view))
    assert.equal(loaded.packs, log.count)
    assert.ok(loaded.packs <= 3 * 15, `${loaded.packs} packs`)
    // 600 items written; what is on disk is within a few merges of the 60 keys.
    assert.ok(loaded.items < 600, `${loaded.items} items`)
    await db.close()
  })

  it('once dead items outnumber live keys, every pack is rewritten; a crash at any batch of it loses nothing', async () => {
    const full = await rewriteScenario(Infinity)
    const loaded = await load(full.db)
    assert.deepEqual(state(loaded.view), full.snapshots.at(-1)![1])
    // The rewrite came after the sixth commit of the second round: one item for each of the 58,000
    // keys then live, no dead one; the last commit added its 10,000.
    assert.equal(loaded.items, 58_000 + 10_000, `${loaded.items} items for ${full.size} keys`)
    await full.db.close()
    // The batches that are not commits are the rewrite's: cut the log after each.
    const rewrite = Array.from({ length: full.batches }, (_, i) => i + 1).filter((n) => !full.snapshots.some(([at]) => at === n))
    assert.ok(rewrite.length >= 2, `the rewrite took ${rewrite.length} batches`)
    for (const crashAt of [rewrite[0] - 1, ...rewrite.slice(0, -1)]) {
      const cut = await rewriteScenario(crashAt)
      const expected = cut.snapshots.filter(([at]) => at <= crashAt).at(-1)![1]
      assert.deepEqual(state((await load(cut.db)).view), expected, `after batch ${crashAt}`)
      await cut.db.close()
    }
  })
})

type State = ReturnType<typeof state>

/**
 * 70,000 keys written in commits of 10,000, then each set again or deleted: the dead items come to
 * outnumber the live keys, and the packs are rewritten. Batches after `crashAt` are dropped.
 */
async function rewriteScenario (crashAt: number): Promise<{ db: ClassicLevel<Uint8Array, Uint8Array>, snapshots: Array<[number, State]>, batches: number, size: number }> {
  const db = await database()
  const view = new MapView()
  let tail = Promise.resolve()
  let batches = 0
  const sink = {
    persist: (ops: BatchOp[]) => {
      if (++batches > crashAt) return
      tail = tail.then(async () => { await db.batch(ops, { sync: false }) })
    },
    idle: async () => { await tail }
  }
  const log = new PackLog(db as unknown as LevelDatabase, view as unknown as StoreView, sink)
  const snapshots: Array<[number, State]> = []
  const seq = { next: 1 }
  const value = 'v'.repeat(40)
  const run = async (changes: Array<[number, string | undefined]>): Promise<void> => {
    await commit(view, log, changes, sink, seq)
    snapshots.push([batches, state(view)])
    await log.maybeMerge()
    await tail
  }
  const keys = 70_000
  const step = 10_000
  for (let i = 0; i < keys; i += step) await run(Array.from({ length: step }, (_, j) => [i + j, value]))
  for (let i = 0; i < keys; i += step) await run(Array.from({ length: step }, (_, j) => [i + j, j % 5 === 0 ? undefined : `${value}${i}`]))
  await log.stop()
  return { db, snapshots, batches, size: view.size }
}
