import assert from 'node:assert/strict'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { build } from 'esbuild'
import { ClassicLevel } from 'classic-level'
import { chromium, type Browser } from 'playwright-core'
import { CHROMIUM, ensureChromium } from './browser-fixture.ts'
import type { AddressInfo } from 'node:net'

// The packed IndexedDB database (src/store/level/idb-log-database.ts) on Chromium's real
// IndexedDB: reads agree with a model through batches, reopens, the old one-record-per-key layout
// and compactions; a page reloaded in the middle of a large sync into a LevelStore keeps every
// write it had acknowledged and reuses no seq; a store written before writer keys is refused,
// unchanged, and migrated. The page is idb-log-page.ts, served on loopback.

describe('LevelStore on IndexedDB, packed', { timeout: 600_000 }, () => {
  let server: Server
  let browser: Browser
  let url: string

  before(async () => {
    ensureChromium()
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./idb-log-page.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: ['chrome120'],
      write: false,
      logLevel: 'silent'
    })
    const script = bundle.outputFiles[0].text
    server = createServer((request, response) => {
      const page = request.url === '/page.js'
      response.writeHead(200, { 'content-type': page ? 'text/javascript' : 'text/html' })
      response.end(page ? script : '<!doctype html><script type="module" src="/page.js"></script>')
    })
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 60_000 })
  }, { timeout: 900_000 })

  after(async () => {
    await browser?.close()
    server?.close()
  })

  async function openPage (context: Awaited<ReturnType<Browser['newContext']>>): Promise<Awaited<ReturnType<typeof context.newPage>>> {
    const page = await context.newPage()
    await page.goto(url)
    await page.waitForFunction(() => typeof (globalThis as any).reopen === 'function')
    return page
  }

  it('reads what was written, in key order, through reopens, the old layout and compactions', async () => {
    const context = await browser.newContext()
    try {
      const page = await openPage(context)
      const result = await page.evaluate(async () => await (globalThis as any).modelCheck())
      assert.ok(result.legacyRead, 'a record of the old layout is read')
      assert.ok(result.records > 4000, `${result.records} records`)
      // A few packs and the log written since the last compaction (under 4 MiB of it).
      assert.ok(result.compactedRecords < 100, `${result.compactedRecords} IndexedDB records hold ${result.records} records`)
    } finally {
      await context.close()
    }
  })

  it('a page reloaded in the middle of a sync keeps every write it acknowledged, and reuses no seq', async () => {
    const context = await browser.newContext()
    try {
      const page = await openPage(context)
      const { seqs, frames } = await page.evaluate(async () => await (globalThis as any).writeThenSync(100_000))
      await page.waitForFunction(() => ((globalThis as any).framesDone ?? 0) >= 10, undefined, { timeout: 60_000 })
      await page.reload()
      await page.waitForFunction(() => typeof (globalThis as any).reopen === 'function')
      const after = await page.evaluate(async () => await (globalThis as any).reopen())
      assert.equal(after.own, 20, 'every acknowledged write is there')
      assert.ok(after.bulk > 0, `${after.bulk} synced entries survived the reload`)
      assert.ok(after.bulk < 100_000, `the reload came in the middle of the sync (${frames} frames): ${after.bulk} of 100,000 entries were in`)
      assert.ok(after.nextSeq > Math.max(...seqs), `the next write takes seq ${after.nextSeq}, after ${Math.max(...seqs)}`)
    } finally {
      await context.close()
    }
  })

  it('a store written before writer keys is refused without a change, and migrateStore({ to }) carries it over', async () => {
    // The records the format-2 fixture holds (test/fixtures/store-format-2.README.md), as that
    // release's browser build kept them: one IndexedDB record per LevelDB record.
    const dir = await mkdtemp(join(tmpdir(), 'rm-outdated-idb-'))
    const context = await browser.newContext()
    try {
      await cp(fileURLToPath(new URL('../../fixtures/store-format-2', import.meta.url)), join(dir, 'store'), { recursive: true })
      const level = new ClassicLevel<string, string>(join(dir, 'store'), { keyEncoding: 'hex', valueEncoding: 'hex', createIfMissing: false })
      const records = await level.iterator().all()
      await level.close()
      const page = await openPage(context)
      const result = await page.evaluate(async (records) => await (globalThis as any).migrateOutdated(records), records)
      assert.match(result.refused, /^OutdatedStoreError 2: .*store format 2 was written before writers were bound to keys.*migrateStore\(/)
      assert.ok(result.unchanged, 'not a record of the old database changed, through the refusal and the migration')
      assert.equal(result.report.format, 2)
      assert.equal(result.report.previousReplicaId, '8f4ef3bc60a684c02cff905dc72c55f4')
      assert.equal(result.report.entries, 20)
      assert.equal(result.entries['key-0'], 'value 0')
      assert.equal(result.entries['key-3'], 'value 3, overwritten')
      assert.equal(result.entries['key-4'], undefined)
      assert.equal(result.entries['from-other'], 'a remote write')
      assert.equal(Object.keys(result.entries).length, 20)
      assert.match(result.reopenedOld, /^OutdatedStoreError 2/, 'the old database stays as it was, still refused')
    } finally {
      await context.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
