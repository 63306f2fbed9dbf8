import type { BrowserContext, Page } from 'playwright-core'

// Reading and driving a page of examples/browser-mesh: through its form and table as a person
// would, or through the debugging handle its page/main.ts puts on window.

/** The page's debugging handle (page/main.ts puts it on window). */
interface PageHandle {
  store: { flush: () => Promise<void>, get: (key: string) => string | undefined, set: (key: string, value: string) => void, delete: (key: string) => boolean, size: number, stateHash: () => Uint8Array, transact: (fn: (tx: any) => void) => void }
  node: { peerId: { toString: () => string }, getConnections: () => Array<{ remotePeer: { toString: () => string }, multiplexer?: string, limits?: unknown, remoteAddr: { toString: () => string } }> }
  metrics: { firstDirectMs?: number }
}
declare global {
  interface Window {
    roaringMesh: PageHandle
    longTasks: Array<{ start: number, duration: number }>
  }
}

/** Opens the page in a new tab of `context` and waits until its peer has started. */
export async function openPage (context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (err) => { console.error(`page error in ${url}: ${err.stack ?? err.message}`) })
  await page.goto(url)
  await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 })
  return page
}

export async function peerIdOf (page: Page): Promise<string> {
  return await page.evaluate(() => window.roaringMesh.node.peerId.toString())
}

export interface ConnectionInfo { peer: string, multiplexer?: string, limited: boolean, remoteAddr: string }

export async function connectionsOf (page: Page): Promise<ConnectionInfo[]> {
  return await page.evaluate(() => window.roaringMesh.node.getConnections().map((c) => ({
    peer: c.remotePeer.toString(), multiplexer: c.multiplexer, limited: c.limits != null, remoteAddr: c.remoteAddr.toString()
  })))
}

/** Peers `page` has a direct WebRTC connection to: multiplexer '/webrtc' and no limits (BROWSER.md). */
export async function directPeersOf (page: Page): Promise<string[]> {
  return (await connectionsOf(page)).filter((c) => c.multiplexer === '/webrtc' && !c.limited).map((c) => c.peer)
}

/** Writes through the page's form, as a person would. */
export async function setThroughForm (page: Page, key: string, value: string): Promise<void> {
  await page.fill('#write input[name="key"]', key)
  await page.fill('#write input[name="value"]', value)
  await page.click('#write button[value="set"]')
}

/** Waits until the page's table shows `key` with `value`. */
export async function waitForRow (page: Page, key: string, value: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction(([k, v]) => {
    const row = Array.from(document.querySelectorAll<HTMLTableRowElement>('#entries tr[data-key]')).find((r) => r.dataset.key === k)
    return row?.querySelector('td.value')?.firstChild?.textContent === v
  }, [key, value], { timeout, polling: 'raf' })
}

export async function valueIn (page: Page, key: string): Promise<string | undefined> {
  return await page.evaluate((k) => window.roaringMesh.store.get(k), key)
}

export async function stateOf (page: Page): Promise<{ size: number, hash: string }> {
  return await page.evaluate(() => ({
    size: window.roaringMesh.store.size,
    hash: [...window.roaringMesh.store.stateHash()].map((b) => b.toString(16).padStart(2, '0')).join('')
  }))
}

/** Waits until every page has the same state hash as the first. */
export async function waitForConverged (pages: Page[], what: string, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (true) {
    const states = await Promise.all(pages.map(stateOf))
    if (states.every((s) => s.hash === states[0].hash)) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}: ${JSON.stringify(states)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
