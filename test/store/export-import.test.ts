import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import {
  InvalidArgumentError, MemStore, exportEntries, exportLine, importEntries, parseExportLine, type LevelStore, type ReplicaStore
} from '../../src/index.ts'
import { LevelFixture } from './level-fixture.ts'
import { hex } from './sync-fixture.ts'

const fixture = new LevelFixture()
after(async () => { await fixture.cleanup() })

const text = (value: string): Uint8Array => new TextEncoder().encode(value)

/** Every key's siblings with their dots and clocks: what an export must carry across. */
function siblings (store: ReplicaStore): unknown {
  return store.entries().map(([key]) => [hex(key), store.conflicts(key).map((s) => [hex(s.value), s.dot.replica, s.dot.seq, s.hlc.wall, s.hlc.counter])])
}

async function storeWithHistory (): Promise<{ store: LevelStore, other: ReplicaStore }> {
  const store = await fixture.open()
  const other = new MemStore('other')
  store.begin()
  for (let i = 0; i < 50; i++) store.set(text(`k${i}`), text(`v${i}`))
  await store.commit()
  store.delete(text('k3'))
  store.set(Uint8Array.of(0xff, 0x00, 0x0a), Uint8Array.of(0xc3, 0x28, 0x00))
  // A concurrent write leaves siblings at k1.
  await store.integrateOps([other.insertWithOp(text('k1'), text('theirs')), other.insertWithOp(text('tab\tnew\nline'), text('"quoted"'))])
  await store.flush()
  return { store, other }
}

describe('export and import', () => {
  it('round-trips every entry, siblings, dots and clocks included, through JSON lines into a new store', async () => {
    const { store } = await storeWithHistory()
    const lines = [...exportEntries(store)].map(exportLine)
    assert.equal(lines.length, store.size + 1, 'one line per sibling')
    for (const line of lines) assert.ok(!line.includes('\n'))
    assert.match(lines.join('\n'), /"key":\{"base64":"/, 'bytes that are not UTF-8 travel as base64')
    const restored = await fixture.open()
    assert.equal(await importEntries(restored, lines.map(parseExportLine)), lines.length)
    assert.deepEqual(siblings(restored), siblings(store))
    const dir = restored.location
    await fixture.close(restored)
    assert.deepEqual(siblings(await fixture.open(dir)), siblings(store), 'and on disk')
  })

  it('imports into a store that has some of the entries without copies, and a restored store converges with the original', async () => {
    const { store } = await storeWithHistory()
    const entries = [...exportEntries(store)]
    const restored = new MemStore('restored')
    await importEntries(restored, entries.slice(0, 10))
    const before = restored.size
    await importEntries(restored, entries)
    await importEntries(restored, entries)
    assert.deepEqual(siblings(restored), siblings(store))
    assert.ok(restored.size > before)
    // What an export leaves out (deaths) comes from the original as from any peer.
    restored.integrateDiff(store.buildDiff(restored.requestDiff()))
    assert.deepEqual(hex(restored.stateHash()), hex(store.stateHash()))
  })

  it('refuses a line that is not an export line, saying what is wrong', () => {
    const good = JSON.parse(exportLine({ key: text('k'), value: text('v'), replica: 'ab'.repeat(16), seq: 3, hlc: { wall: 5, counter: 0 } }))
    for (const [line, why] of [
      ['not json', /not JSON/],
      ['[1]', /replica id/],
      [JSON.stringify({ ...good, seq: 0 }), /"seq"/],
      [JSON.stringify({ ...good, hlc: { wall: -1, counter: 0 } }), /"hlc"/],
      [JSON.stringify({ ...good, key: 5 }), /"key"/],
      [JSON.stringify({ ...good, value: { base64: '!!' } }), /"value"/]
    ] as const) assert.throws(() => parseExportLine(line), (err: any) => err instanceof InvalidArgumentError && why.test(err.message), line)
    assert.deepEqual(parseExportLine(JSON.stringify(good)).key, text('k'))
  })
})
