import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { build } from 'esbuild'
import { chromium, type Browser } from 'playwright-core'
import { CHROMIUM, ensureChromium } from './browser-fixture.ts'
import type { AddressInfo } from 'node:net'

// The packed IndexedDB database (src/store/level/idb-log-database.ts) on Chromium's real
// IndexedDB: reads agree with a model through batches, reopens, the old one-record-per-key layout
// and compactions; and a page reloaded in the middle of a large sync into a LevelStore keeps every
// write it had acknowledged and reuses no seq. The page is idb-log-page.ts, served on loopback.

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
})
