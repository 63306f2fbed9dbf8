import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ClassicLevel } from 'classic-level'
import fc from 'fast-check'
import {
  CorruptStoreError, LevelStore, MemStore, StoreClosedError, decodeDiff, decodeOps, encodeDiff, encodeOps, stringCodec,
  type Op, type ReplicaStore
} from '../../src/index.ts'
import { FORMAT_VERSION, sealValue, unsealValue } from '../../src/store/level/record-codec.ts'
import { LevelFixture, raw, snapshot } from './level-fixture.ts'

const fixture = new LevelFixture()
after(async () => { await fixture.cleanup() })

const strings = { keys: stringCodec, values: stringCodec }
type Text = ReplicaStore<string, string>

describe('LevelStore reopen', () => {
  it('restores entries with their siblings, clock sets, replica id and clock', async () => {
    const dir = await fixture.dir()
    let now = 10_000
    const store = await fixture.open<string, string>(dir, { ...strings, clock: { now: () => now } })
    const other = new MemStore<string, string>('other', strings)
    store.begin()
    for (let i = 0; i < 50; i++) store.set(`k${i}`, `v${i}`)
    await store.commit()
    for (let i = 0; i < 50; i += 3) store.delete(`k${i}`)
    // Concurrent sets leave siblings; remote deletes leave dead seqs of another writer.
    const concurrent = other.insertWithOp('k1', 'theirs')
    await store.integrateOps([concurrent, other.insertWithOp('gone', 'x'), other.deleteWithOp('gone')])
    now += 5
    store.set('last', 'write')
    const before = snapshot(store)
    const id = store.replicaId
    const op = store.insertWithOp('probe', '1')
    const hlc = op.kind === 'set' ? op.hlc : undefined
    assert.equal(store.conflicts('k1').length, 2)
    const beforeProbe = snapshot(store)
    await fixture.close(store)
    now = 0 // the wall clock went back: the reopened clock must not
    const reopened = await fixture.open<string, string>(dir, { ...strings, clock: { now: () => now } })
    assert.equal(reopened.replicaId, id)
    assert.deepEqual(snapshot(reopened), beforeProbe)
    assert.notDeepEqual(before, beforeProbe)
    const next = reopened.insertWithOp('after', 'reopen')
    assert.ok(next.kind === 'set' && hlc != null && (next.hlc.wall > hlc.wall || (next.hlc.wall === hlc.wall && next.hlc.counter > hlc.counter)), 'the clock is not behind')
    assert.equal(next.kind === 'set' && next.dot.seq, 53, 'seqs continue where they were (50 sets, last, probe)')
  })

  it('refuses writes after close with StoreClosedError, and close is idempotent', async () => {
    const store = await fixture.open()
    await fixture.close(store)
    assert.throws(() => store.set(Uint8Array.of(1), Uint8Array.of(1)), StoreClosedError)
    assert.throws(() => store.begin(), StoreClosedError)
    assert.throws(() => store.integrateOps([]), StoreClosedError)
    await store.close()
  })

  it('fires the ops event only once the commit is durable, and diffs hold back local seqs not yet covered on disk', async () => {
    const store = await fixture.open()
    const events: number[] = []
    store.addEventListener('ops', (event) => { events.push(event.ops.length) })
    store.begin()
    // More sets than the reservation made at open covers.
    for (let i = 0; i < 10_000; i++) store.set(Uint8Array.of(i >> 8, i & 255), Uint8Array.of(1))
    const committed = store.commit()
    assert.deepEqual(events, [], 'not before the batch is on disk')
    const early = new MemStore()
    await early.integrateDiff(store.buildDiff(early.requestDiff()))
    assert.ok(early.size < 10_000, `only what the reservation on disk covers leaves before the commit lands (${early.size})`)
    await committed
    await store.signed()
    assert.equal(events.reduce((sum, n) => sum + n, 0), 10_000, 'every op, in signed batches')
    await early.integrateDiff(store.buildDiff(early.requestDiff()))
    assert.equal(early.size, 10_000)
    assert.deepEqual(early.stateHash(), store.stateHash())
  })
})

describe('LevelStore refuses a corrupt or foreign database', () => {
  async function expectCorrupt (dir: string, pattern: RegExp, levelCanOpen = true): Promise<void> {
    await assert.rejects(LevelStore.open(dir), (err: any) => err instanceof CorruptStoreError && pattern.test(err.message))
    if (!levelCanOpen) return
    // Nothing is left open: the database can be opened again at once.
    const db = await raw(dir)
    await db.close()
  }

  async function storeWithData (): Promise<string> {
    const dir = await fixture.dir()
    const store = await fixture.open(dir)
    store.set(Uint8Array.of(1), Uint8Array.of(2))
    await store.integrateOp(new MemStore().insertWithOp(Uint8Array.of(3), Uint8Array.of(4)))
    await fixture.close(store)
    return dir
  }

  async function tamper (dir: string, prefix: number, change: (value: Uint8Array) => Uint8Array): Promise<void> {
    const db = await raw(dir)
    for await (const [key, value] of db.iterator()) {
      if (key[0] === prefix) {
        await db.put(key, change(value))
        break
      }
    }
    await db.close()
  }

  /** Changes a record's value and gives it a checksum that matches, as a bug of ours (not the disk) would: the structural checks must catch it. */
  async function tamperSealed (dir: string, prefix: number, change: (value: Uint8Array) => Uint8Array): Promise<void> {
    let tampered: Uint8Array | undefined
    const db = await raw(dir)
    for await (const [key, value] of db.iterator()) {
      if (key[0] === prefix) {
        tampered = sealValue(key, change(unsealValue(key, value, FORMAT_VERSION)))
        await db.put(key, tampered)
        break
      }
    }
    await db.close()
    assert.ok(tampered != null)
  }

  it('a LevelDB of someone else', async () => {
    const dir = await fixture.dir()
    const db = new ClassicLevel(dir)
    await db.put('hello', 'world')
    await db.close()
    await expectCorrupt(dir, /not a roaring-mesh store/)
  })

  it('a format version it does not know', async () => {
    const dir = await storeWithData()
    const db = await raw(dir)
    const key = new TextEncoder().encode('Mformat')
    const format = (await db.get(key))!
    format[format.byteLength - 1] = 99
    await db.put(key, format)
    await db.close()
    await expectCorrupt(dir, /format 99 is not supported/)
  })

  it('an entry pack whose bytes changed on disk fails its checksum', async () => {
    const dir = await storeWithData()
    await tamper(dir, 0x54, (value) => {
      const changed = value.slice()
      changed[changed.byteLength - 5] ^= 1
      return changed
    })
    await expectCorrupt(dir, /the entry pack 0x[0-9a-f]{16} fails its checksum/)
  })

  it('a truncated entry pack', async () => {
    const dir = await storeWithData()
    await tamper(dir, 0x54, (value) => value.subarray(0, value.byteLength - 1))
    await expectCorrupt(dir, /fails its checksum/)
    const sealed = await storeWithData()
    await tamperSealed(sealed, 0x54, (value) => value.subarray(0, value.byteLength - 1))
    await expectCorrupt(sealed, /truncated value/)
  })

  it('an entry pack with trailing bytes', async () => {
    const dir = await storeWithData()
    await tamperSealed(dir, 0x54, (value) => Uint8Array.of(...value, 0))
    await expectCorrupt(dir, /trailing bytes/)
  })

  it('a seen set that is not a clock set', async () => {
    const dir = await storeWithData()
    await tamper(dir, 0x53, (value) => value.subarray(0, 5))
    await expectCorrupt(dir, /seen set/)
  })

  it('a live entry whose dot was never seen', async () => {
    const dir = await storeWithData()
    const db = await raw(dir)
    for await (const key of db.keys()) if (key[0] === 0x53) await db.del(key)
    await db.close()
    await expectCorrupt(dir, /not seen/)
  })

  it('an unknown record', async () => {
    const dir = await storeWithData()
    const db = await raw(dir)
    await db.put(Uint8Array.of(0x58, 1), Uint8Array.of(1))
    await db.close()
    await expectCorrupt(dir, /unknown record/)
  })

  it('LevelDB files that are garbage', async () => {
    const dir = await storeWithData()
    for (const file of await readdir(dir)) if (file.startsWith('MANIFEST')) await writeFile(join(dir, file), 'garbage, not a manifest')
    await expectCorrupt(dir, /cannot be opened/, false)
  })
})

// Random ops and diffs from other writers, and local writes, go into a LevelStore that is closed
// and reopened at random points; a MemStore gets the same input (and the LevelStore's own ops).
// In the end both hold the same entries, siblings and state hash.
type Step =
  | { kind: 'remote', writer: number, key: number, value: number | null }
  | { kind: 'local', keys: Array<{ key: number, value: number | null }> }
  | { kind: 'ops', writer: number, pick: number }
  | { kind: 'diff', writer: number, frameBytes: number }
  | { kind: 'reopen' }

const WRITERS = 3
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('remote' as const), writer: fc.nat(WRITERS - 1), key: fc.nat(7), value: fc.option(fc.nat(99), { nil: null }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('local' as const), keys: fc.array(fc.record({ key: fc.nat(7), value: fc.option(fc.nat(99), { nil: null }) }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ops' as const), writer: fc.nat(WRITERS - 1), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('diff' as const), writer: fc.nat(WRITERS - 1), frameBytes: fc.constantFrom(64, 100_000) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'reopen' as const }) }
)

describe('LevelStore property', () => {
  it('integrating ops and diffs across reopens ends equal to a MemStore fed the same', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
      const dir = await fixture.dir()
      let store = await fixture.open<string, string>(dir, strings)
      const reference = new MemStore<string, string>('reference', strings)
      const writers = Array.from({ length: WRITERS }, (_, i) => new MemStore<string, string>(`w${i}`, strings))
      const unsent: Op[][][] = writers.map(() => [])
      const both = async (apply: (s: Text) => void | Promise<void>): Promise<void> => {
        await apply(store)
        await apply(reference)
      }
      for (const s of steps) {
        if (s.kind === 'remote') {
          const writer = writers[s.writer]
          unsent[s.writer].push([s.value == null ? writer.deleteWithOp(`k${s.key}`) : writer.insertWithOp(`k${s.key}`, `w${s.writer}:${s.value}`)])
        } else if (s.kind === 'local') {
          store.begin()
          for (const { key, value } of s.keys) value == null ? store.delete(`k${key}`) : store.set(`k${key}`, `l:${value}`)
          const ops = store.commitWithOps()
          await store.flush()
          await reference.integrateOps(decodeOps(encodeOps(ops)))
        } else if (s.kind === 'ops') {
          const queue = unsent[s.writer]
          if (queue.length === 0) continue
          const [batch] = queue.splice(s.pick % queue.length, 1)
          await both((t) => t.integrateOps(decodeOps(encodeOps(batch))))
        } else if (s.kind === 'diff') {
          const writer = writers[s.writer]
          const frames = [...writer.buildDiffFrames(store.requestDiff(), { maxFrameBytes: s.frameBytes })].map(encodeDiff)
          for (const frame of frames) await both((t) => t.integrateDiff(decodeDiff(frame)))
        } else {
          await fixture.close(store)
          store = await fixture.open<string, string>(dir, strings)
        }
        assert.deepEqual(snapshot(store), snapshot(reference))
      }
      await fixture.close(store)
      store = await fixture.open<string, string>(dir, strings)
      assert.deepEqual(snapshot(store), snapshot(reference))
      await fixture.close(store)
    }), { numRuns: 25 })
  })
})
