import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { MemStore, decodeDiff, encodeDiff } from '../../src/index.ts'
import { EntryArena } from '../../src/store/entry-arena.ts'
import { bytes, dump, pull } from './sync-fixture.ts'

describe('keys and values packed in the arena', () => {
  it('survive compaction, and views handed out before it stay valid', () => {
    const store = new MemStore()
    const keys = Array.from({ length: 200 }, () => bytes(16))
    const early = bytes(1000)
    store.set(keys[0], early)
    const viewBefore = store.get(keys[0])!
    // 200 keys overwritten 60 times with 1 KB values: ~12 MB of garbage forces compactions.
    let latest = new Map<number, Uint8Array>()
    for (let round = 0; round < 60; round++) {
      store.transact((s) => {
        for (let k = 1; k < keys.length; k++) {
          const value = bytes(1000)
          latest.set(k, value)
          s.set(keys[k], value)
        }
      })
    }
    assert.deepEqual(viewBefore, early)
    assert.deepEqual(store.get(keys[0]), early)
    for (const [k, value] of latest) assert.deepEqual(store.get(keys[k]), value)
    const copy = new MemStore()
    pull(copy, store)
    assert.deepEqual(dump(copy), dump(store))
    latest = new Map()
  })

  it('copies keys and values, so the caller may reuse its buffers', () => {
    const store = new MemStore()
    const key = Uint8Array.of(9)
    const buffer = Uint8Array.of(1, 2, 3)
    store.set(key, buffer)
    buffer.fill(0)
    key[0] = 8
    assert.deepEqual(store.get(Uint8Array.of(9)), Uint8Array.of(1, 2, 3))
    assert.equal(store.has(Uint8Array.of(8)), false)
    assert.deepEqual(store.entries(), [[Uint8Array.of(9), Uint8Array.of(1, 2, 3)]])
  })

  it('keeps nothing of a diff message the caller may reuse', () => {
    const source = new MemStore()
    source.transact((s) => { for (let i = 0; i < 50; i++) s.set(Uint8Array.of(i), bytes(200)) })
    const target = new MemStore()
    const message = encodeDiff(source.buildDiff(target.requestDiff()))
    target.integrateDiff(decodeDiff(message))
    message.fill(0)
    assert.deepEqual(dump(target), dump(source))
  })

  it('asks for compaction only when garbage outweighs live data', () => {
    const arena = new EntryArena()
    const key = new Uint8Array(16)
    const value = new Uint8Array(1024 * 1024 - 17)
    for (let i = 0; i < 20; i++) arena.append(key, value)
    assert.equal(arena.needsCompaction, false)
    for (let i = 0; i < 9; i++) arena.release(key.byteLength + value.byteLength)
    assert.equal(arena.needsCompaction, false, 'garbage not yet above live bytes')
    for (let i = 0; i < 2; i++) arena.release(key.byteLength + value.byteLength)
    assert.equal(arena.needsCompaction, true)
  })

  it('counts what adopted entries pin of their message as garbage', () => {
    const arena = new EntryArena()
    arena.adopt(1024 * 1024)
    arena.pin(7 * 1024 * 1024)
    assert.equal(arena.needsCompaction, false, 'less than the minimum garbage')
    arena.pin(2 * 1024 * 1024)
    assert.equal(arena.needsCompaction, true)
  })

  it('does not let a few fresh entries hold whole diff messages in memory', async () => {
    setFlagsFromString('--expose-gc')
    const collect = runInNewContext('gc') as () => void
    // Array buffers are freed after a collection, off the main thread: give them a moment.
    const gc = async (): Promise<void> => {
      collect()
      await new Promise((resolve) => setTimeout(resolve, 20))
      collect()
    }
    const source = new MemStore()
    source.transact((s) => { for (let i = 0; i < 400; i++) s.set(bytes(16), bytes(128)) })
    const target = new MemStore()
    const fromScratch = new MemStore().requestDiff()
    await gc()
    const before = process.memoryUsage().arrayBuffers
    // Each round's diff (60 to 135 KB) brings one new entry among all those the target has: the
    // one it keeps would pin the whole message, ~48 MB over 500 rounds, if nothing counted the
    // rest as garbage (compaction then moves the few out).
    for (let round = 0; round < 500; round++) {
      source.set(bytes(16), bytes(128))
      target.integrateDiff(decodeDiff(encodeDiff(source.buildDiff(fromScratch))))
    }
    await gc()
    const held = process.memoryUsage().arrayBuffers - before
    assert.deepEqual(dump(target), dump(source))
    assert.ok(held < 15 * 1024 * 1024, `diff messages held: ${held} bytes`)
  })

  it('keeps its memory out of the count of external memory that starts V8\'s full collections', () => {
    const before = process.memoryUsage()
    const store = new MemStore()
    // One key buffer, changed and reused: the store copies it, and the test allocates nothing.
    const key = new Uint8Array(16)
    const value = bytes(128)
    store.transact((s) => {
      for (let i = 0; i < 100_000; i++) {
        new DataView(key.buffer).setUint32(0, i)
        s.set(key, value)
      }
    })
    const after = process.memoryUsage()
    assert.equal(store.size, 100_000)
    assert.ok(after.arrayBuffers - before.arrayBuffers >= 100_000 * 144, 'the keys and values are in buffers')
    assert.ok(after.external - before.external < 100_000 * 144 / 4, `external grew by ${after.external - before.external} bytes`)
  })
})
