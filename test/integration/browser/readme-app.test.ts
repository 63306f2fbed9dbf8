// The README's "Browser apps" app, built as it is written there and run in Chromium: two pages in
// separate browser contexts sync over a direct WebRTC link (and keep syncing once the relay is
// gone), and two tabs of one context sync with no relay at all. Same set-up as
// browser-mesh.test.ts: one private network namespace with only loopback.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ensureChromium, waitUntil, writeReadmeAppBundle } from './browser-fixture.ts'
import { MeshControl } from './mesh-control-client.ts'
import { NetNamespace } from './net-namespace.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

describe('the README\'s browser app, as written, in Chromium', { timeout: 300_000 }, () => {
  let ns: NetNamespace
  let browser: Browser
  let bundleDir: string
  const contexts: BrowserContext[] = []
  const controls: MeshControl[] = []

  before(async () => {
    ensureChromium()
    ns = await NetNamespace.create()
    bundleDir = await writeReadmeAppBundle(ns.dir)
    browser = await ns.launchChromium()
  }, { timeout: 300_000 })

  after(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    for (const control of controls) await control.close()
    await browser?.close()
    await ns?.close()
  })

  async function open (context: BrowserContext, url: string): Promise<Page> {
    const page = await context.newPage()
    page.on('pageerror', (err) => { console.error(`page error: ${err.stack ?? err.message}`) })
    await page.goto(url)
    await page.waitForSelector('#status', { timeout: 30_000 })
    return page
  }

  async function status (page: Page): Promise<string> {
    return (await page.textContent('#status')) ?? ''
  }

  async function set (page: Page, key: string, value: string): Promise<void> {
    await page.fill('input[name="key"]', key)
    await page.fill('input[name="value"]', value)
    await page.click('form button')
  }

  async function waitForEntry (page: Page, key: string, value: string): Promise<void> {
    await page.waitForFunction((text) => Array.from(document.querySelectorAll('#entries li')).some((li) => li.textContent === text), `${key} = ${value}`, { timeout: 20_000 })
  }

  it('two pages in separate browser contexts connect directly and sync, also once the relay is gone', async () => {
    const control = await MeshControl.start(ns, bundleDir, 'notes')
    controls.push(control)
    const { address } = await control.call<{ address: string }>('relay:start')
    const url = `${control.url}?relay=${encodeURIComponent(address)}`
    const [a, b] = await Promise.all([1, 2].map(async () => {
      const context = await browser.newContext()
      contexts.push(context)
      return await open(context, url)
    }))
    for (const page of [a, b]) {
      await waitUntil(async () => (await status(page)).startsWith('online · 1 direct'), `each page to say it is online with one direct peer`, 60_000)
    }
    await set(a, 'greeting', 'hello from a')
    await waitForEntry(b, 'greeting', 'hello from a')
    await control.call('relay:stop')
    for (const page of [a, b]) {
      await waitUntil(async () => (await status(page)).startsWith('relay-unreachable · 1 direct'), 'each page to say its relay is unreachable and its direct peer is still there')
    }
    await set(b, 'reply', 'hello from b, with no relay')
    await waitForEntry(a, 'reply', 'hello from b, with no relay')
  })

  it('two tabs of one browser context sync with no relay at all', async () => {
    const control = await MeshControl.start(ns, bundleDir, 'notes')
    controls.push(control)
    const context = await browser.newContext()
    contexts.push(context)
    const a = await open(context, control.url)
    const b = await open(context, control.url)
    await waitUntil(async () => (await status(a)) === 'local · 0 direct · 0 in the mesh · 1 other tabs', `the first tab to see the second and nothing else`)
    await set(a, 'color', 'blue')
    await waitForEntry(b, 'color', 'blue')
    await set(b, 'size', 'large')
    await waitForEntry(a, 'size', 'large')
    assert.equal(await status(b), 'local · 0 direct · 0 in the mesh · 1 other tabs')
  })
})
