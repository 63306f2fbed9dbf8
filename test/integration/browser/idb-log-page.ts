// Bundled into a page by idb-log-database.test.ts: the packed IndexedDB database against a model,
// a LevelStore reloaded in the middle of a large sync, and a store written before writer keys
// refused and migrated, all on Chromium's real IndexedDB.
import { BrowserLevel } from 'browser-level'
import { LevelStore, MemStore, OutdatedStoreError, decodeDiff, encodeDiff, migrateStore, stringCodec } from '../../../src/browser.ts'
import { IdbLogDatabase } from '../../../src/store/level/idb-log-database.ts'

const te = new TextEncoder()
const td = new TextDecoder()
const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')

/** Batches of puts and deletes, a reopen, the old layout under them, and compactions: reads agree with a Map. */
async function modelCheck (): Promise<{ records: number, compactedRecords: number, legacyRead: boolean }> {
  const name = `model-${Math.random()}`
  // A store of the old layout: one IndexedDB record per LevelStore record.
  const legacy = new BrowserLevel<Uint8Array, Uint8Array>(name, { keyEncoding: 'view', valueEncoding: 'view' })
  await legacy.open()
  await legacy.batch([{ type: 'put', key: te.encode('Mformat'), value: te.encode('old') }, { type: 'put', key: te.encode('Vold'), value: te.encode('kept') }])
  await legacy.close()
  const model = new Map<string, string>([['Mformat', 'old'], ['Vold', 'kept']])
  let db = new IdbLogDatabase(name)
  await db.open()
  const legacyRead = td.decode(await db.get(te.encode('Vold'))) === 'kept'
  const value = 'v'.repeat(200)
  // ~12 MB of batches: past the compaction threshold more than once.
  for (let batch = 0; batch < 200; batch++) {
    const ops: Array<{ type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }> = []
    for (let i = 0; i < 300; i++) {
      const key = `V${(batch * 131 + i * 7) % 5000}`
      if (i % 10 === 9) {
        ops.push({ type: 'del', key: te.encode(key) })
        model.delete(key)
      } else {
        ops.push({ type: 'put', key: te.encode(key), value: te.encode(`${value}${batch}`) })
        model.set(key, `${value}${batch}`)
      }
    }
    await db.batch(ops)
    if (batch === 100) {
      await db.close()
      db = new IdbLogDatabase(name)
      await db.open()
    }
  }
  await db.close()
  db = new IdbLogDatabase(name)
  await db.open()
  const iterator = db.iterator()
  const read: Array<[string, string]> = []
  for (let step = await iterator.nextv(1000); step.length > 0; step = await iterator.nextv(1000)) {
    for (const [key, value] of step) read.push([td.decode(key), td.decode(value)])
  }
  const expected = [...model].sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  if (JSON.stringify(read) !== JSON.stringify(expected)) throw new Error(`read ${read.length} records, expected ${expected.length}; first difference at ${read.findIndex((r, i) => JSON.stringify(r) !== JSON.stringify(expected[i]))}`)
  const after = (await db.iterator({ gt: te.encode('V4') }).nextv(1))[0]
  if (after == null || td.decode(after[0]) <= 'V4') throw new Error('gt is not honoured')
  await db.close()
  const raw = new BrowserLevel<Uint8Array, Uint8Array>(name, { keyEncoding: 'view', valueEncoding: 'view' })
  await raw.open()
  let compactedRecords = 0
  for await (const [key] of raw.iterator()) {
    if (key[0] !== 0x4c && key[0] !== 0x50) throw new Error(`a record of the old layout is left: ${hex(key)}`)
    compactedRecords++
  }
  await raw.close()
  indexedDB.deleteDatabase(`level-js-${name}`)
  return { records: read.length, compactedRecords, legacyRead }
}

const STORE = 'reload-mid-sync'

/** Own writes committed (durable), then a large sync integrated frame by frame, without end: the page reloads meanwhile. */
async function writeThenSync (count: number): Promise<{ seqs: number[], frames: number }> {
  const store = await LevelStore.open<string, string>(STORE, { keys: stringCodec, values: stringCodec })
  const seqs: number[] = []
  for (let i = 0; i < 20; i++) {
    store.begin()
    store.set(`own-${i}`, `acknowledged ${i}`)
    for (const op of store.commitWithOps()) if (op.kind === 'set') seqs.push(op.dot.seq)
    // Acknowledged: durable.
    await store.flush()
  }
  const source = new MemStore<string, string>('source', { keys: stringCodec, values: stringCodec })
  source.begin()
  for (let i = 0; i < count; i++) source.set(`bulk-${String(i).padStart(6, '0')}`, `value ${i}`)
  source.commit()
  // WebCrypto signs asynchronously: a diff serves only entries whose batch is signed.
  await source.signed()
  const frames = [...source.buildDiffFrames(store.requestDiff({ hash: false }), { maxFrameBytes: 4096 })].map(encodeDiff)
  ;(globalThis as any).syncing = (async () => {
    for (const frame of frames) {
      const diff = decodeDiff(frame)
      // And verifies asynchronously: the store integrates only what was verified ahead.
      await store.verifyDiff(diff)
      await store.integrateDiff(diff)
      ;(globalThis as any).framesDone = ((globalThis as any).framesDone ?? 0) + 1
    }
  })()
  return { seqs, frames: frames.length }
}

/** After the reload: what the store holds, and the seq its next write takes. */
async function reopen (): Promise<{ own: number, bulk: number, nextSeq: number }> {
  const store = await LevelStore.open<string, string>(STORE, { keys: stringCodec, values: stringCodec })
  let own = 0
  let bulk = 0
  for (const [key, value] of store.entries()) {
    if (key.startsWith('own-')) own += value === `acknowledged ${key.slice(4)}` ? 1 : 0
    else bulk++
  }
  store.begin()
  store.set('after-reload', 'x')
  const [op] = store.commitWithOps()
  await store.flush()
  await store.close()
  return { own, bulk, nextSeq: op.kind === 'set' ? op.dot.seq : -1 }
}

/** Every IndexedDB record of a database, as hex pairs: what "nothing changed" compares. */
async function rawRecords (name: string): Promise<string[]> {
  const raw = new BrowserLevel<Uint8Array, Uint8Array>(name, { keyEncoding: 'view', valueEncoding: 'view' })
  await raw.open()
  const out: string[] = []
  for await (const [key, value] of raw.iterator()) out.push(`${hex(key)}=${hex(value)}`)
  await raw.close()
  return out
}

/**
 * A store written before writer keys, in the layout a browser of that release left in IndexedDB
 * (its LevelDB records, one IndexedDB record each): refused without a change, then carried into
 * a new database by migrateStore (a browser cannot rename a database, so `to` is given).
 */
async function migrateOutdated (records: Array<[string, string]>): Promise<{ refused: string, unchanged: boolean, report: object, entries: Record<string, string>, reopenedOld: string }> {
  const bytes = (text: string): Uint8Array => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16))
  const name = `outdated-${Math.random()}`
  const old = new BrowserLevel<Uint8Array, Uint8Array>(name, { keyEncoding: 'view', valueEncoding: 'view' })
  await old.open()
  await old.batch(records.map(([key, value]) => ({ type: 'put', key: bytes(key), value: bytes(value) })))
  await old.close()
  const before = await rawRecords(name)
  const refusal = async (): Promise<string> => {
    try {
      await (await LevelStore.open(name)).close()
      return 'opened'
    } catch (err) {
      return err instanceof OutdatedStoreError ? `OutdatedStoreError ${err.version}: ${err.message}` : String(err)
    }
  }
  const refused = await refusal()
  const unchanged = JSON.stringify(await rawRecords(name)) === JSON.stringify(before)
  const report = await migrateStore(name, { to: `${name}-v3` })
  const store = await LevelStore.open<string, string>(`${name}-v3`, { keys: stringCodec, values: stringCodec })
  const entries = Object.fromEntries(store.entries())
  await store.close()
  const reopenedOld = await refusal()
  return { refused, unchanged: unchanged && JSON.stringify(await rawRecords(name)) === JSON.stringify(before), report, entries, reopenedOld }
}

Object.assign(globalThis, { modelCheck, writeThenSync, reopen, migrateOutdated })
