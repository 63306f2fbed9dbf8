// End-to-end tests of examples/browser-mesh in Debian's Chromium, driven by playwright-core.
// Relay, page server, Node.js peers and Chromium all run in one private network namespace with
// only loopback, and the page uses no STUN server: no byte leaves the machine (BROWSER.md).
// Screenshots and the measured numbers of the last run go to test-artifacts/browser-mesh/.
import assert from 'node:assert/strict'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, afterEach, before, describe, it } from 'node:test'
import { artifact, ensureChromium, median, resetArtifacts, waitUntil, writeBundle } from './browser-fixture.ts'
import { LineReader, MeshControl } from './mesh-control-client.ts'
import { NetNamespace } from './net-namespace.ts'
import {
  connectionsOf, directPeersOf, openPage, peerIdOf, setThroughForm,
  stateOf, valueIn, waitForConverged, waitForRow
} from './page-queries.ts'
import { mainThreadTaskCpuMs, writeToVisibleMs } from './page-timing.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

const numbers: Record<string, unknown> = {}

describe('the browser mesh example in Chromium', { timeout: 600_000 }, () => {
  let ns: NetNamespace
  let browser: Browser
  let bundleDir: string
  const contexts: BrowserContext[] = []
  const controls: MeshControl[] = []

  before(async () => {
    ensureChromium()
    await resetArtifacts()
    ns = await NetNamespace.create()
    bundleDir = await writeBundle(ns.dir)
    browser = await ns.launchChromium()
  }, { timeout: 900_000 })

  // Each test's pages and processes go with it: nothing keeps dialling into the next test.
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => {})
    for (const control of controls.splice(0)) await control.close()
  })

  after(async () => {
    await browser?.close()
    await ns?.close()
    await writeFile(artifact('numbers.json'), JSON.stringify(numbers, null, 2) + '\n')
  })

  /** A page server (and relay, if asked) in the namespace. */
  async function meshControl (relay: boolean): Promise<MeshControl> {
    const control = await MeshControl.start(ns, bundleDir)
    controls.push(control)
    if (relay) await control.call('relay:start')
    return control
  }

  /** Each page in its own browser context: nothing shared, so no BroadcastChannel between them. */
  async function isolatedPages (url: string, count: number): Promise<Page[]> {
    return await Promise.all(Array.from({ length: count }, async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      contexts.push(context)
      return await openPage(context, url)
    }))
  }

  async function waitForFullMesh (pages: Page[], timeout = 30_000): Promise<void> {
    const ids = await Promise.all(pages.map(peerIdOf))
    await waitUntil(async () => {
      const direct = await Promise.all(pages.map(directPeersOf))
      return direct.every((peers, i) => ids.every((id, j) => i === j || peers.includes(id)))
    }, 'every page to hold a direct WebRTC connection to every other', timeout)
  }

  async function setOffline (page: Page, offline: boolean): Promise<void> {
    if (await page.isChecked('#offline') !== offline) await page.click('label.switch')
    await waitUntil(async () => await page.evaluate(() => window.roaringMesh.node.getConnections().length) === 0 || !offline, 'the page to drop its connections')
  }

  it('three pages connect to each other directly over WebRTC, and a write in any page appears in the others, also after the relay stops', async (t) => {
    const control = await meshControl(true)
    const pages = await isolatedPages(control.url, 3)
    const ids = await Promise.all(pages.map(peerIdOf))
    await waitForFullMesh(pages)

    for (const [i, page] of pages.entries()) {
      for (const connection of (await connectionsOf(page)).filter((c) => c.multiplexer === '/webrtc')) {
        assert.ok(ids.includes(connection.peer), 'WebRTC only between the pages')
        assert.equal(connection.limited, false, 'a WebRTC connection carries no relay limits')
      }
      // The peers panel says so too.
      for (const [j, id] of ids.entries()) {
        if (i !== j) await page.waitForSelector(`li[data-peer="${id}"] [data-link="webrtc"]`, { timeout: 10_000 })
      }
    }
    const firstDirect = await Promise.all(pages.map(async (page) => await page.evaluate(() => window.roaringMesh.metrics.firstDirectMs)))
    numbers.pageLoadToFirstDirectWebRTCms = firstDirect.map((ms) => Math.round(ms ?? -1))

    for (const [i, page] of pages.entries()) await setThroughForm(page, `from-page-${i}`, `hello from page ${i}`)
    for (const page of pages) {
      for (let i = 0; i < pages.length; i++) await waitForRow(page, `from-page-${i}`, `hello from page ${i}`)
    }
    await pages[0].waitForTimeout(300)
    await pages[0].screenshot({ path: artifact('three-pages.png') })

    // Write-to-visible latency: page A writes, page B's table shows the row.
    const latencies: number[] = []
    for (let round = 0; round < 12; round++) {
      const [from, to] = [pages[round % 3], pages[(round + 1) % 3]]
      latencies.push(await writeToVisibleMs(from, to, `latency-${round}`))
    }
    numbers.writeToVisibleMs = { median: Math.round(median(latencies)), max: Math.round(Math.max(...latencies)), samples: latencies.map(Math.round) }

    await control.call('relay:stop')
    await waitUntil(async () => (await Promise.all(pages.map(connectionsOf))).every((list) => list.every((c) => c.multiplexer === '/webrtc' && !c.limited)),
      'the pages to lose the relay and keep only their WebRTC connections')
    await waitForFullMesh(pages, 5000)
    for (const [i, page] of pages.entries()) await setThroughForm(page, `after-relay-${i}`, `still here ${i}`)
    for (const page of pages) {
      for (let i = 0; i < pages.length; i++) await waitForRow(page, `after-relay-${i}`, `still here ${i}`)
    }
    await waitForConverged(pages, 'the pages to converge without the relay')
    await pages[1].screenshot({ path: artifact('no-relay.png') })
    t.diagnostic(`first direct WebRTC connection after ${numbers.pageLoadToFirstDirectWebRTCms} ms; write to visible ${JSON.stringify(numbers.writeToVisibleMs)}`)
  })

  it('two tabs of one browser context sync through BroadcastChannel with no relay at all', async () => {
    const control = await meshControl(false)
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    contexts.push(context)
    const [a, b] = [await openPage(context, control.url), await openPage(context, control.url)]
    await setThroughForm(a, 'color', 'blue')
    await waitForRow(b, 'color', 'blue')
    await setThroughForm(b, 'color', 'green')
    await setThroughForm(b, 'size', 'large')
    await waitForRow(a, 'color', 'green')
    await waitForRow(a, 'size', 'large')
    await b.click('#entries tr[data-key="size"] button.delete')
    await waitUntil(async () => await valueIn(a, 'size') === undefined, 'the delete to reach the other tab')
    // A tab opened later gets what the others have.
    const c = await openPage(context, control.url)
    await waitForRow(c, 'color', 'green')
    await waitForConverged([a, b, c], 'three tabs to converge')
    for (const page of [a, b, c]) assert.deepEqual(await connectionsOf(page), [], 'no libp2p connection: it all went through the BroadcastChannel')
    await a.waitForSelector('#peers [data-link="tab"]')
    await a.screenshot({ path: artifact('tabs.png') })
  })

  it('a page goes offline, pages on both sides write (some to the same keys), and all converge when it comes back', async (t) => {
    const control = await meshControl(true)
    const pages = await isolatedPages(control.url, 3)
    const [away, ...others] = pages
    await waitForFullMesh(pages)
    await setThroughForm(away, 'shared', 'before')
    for (const page of pages) await waitForRow(page, 'shared', 'before')

    await setOffline(away, true)
    await away.waitForSelector('#status.is-offline')
    await away.evaluate(() => {
      const { store } = window.roaringMesh
      store.set('shared', 'written offline')
      store.set('offline-only', 'kept')
      store.delete('doomed')
    })
    await others[0].evaluate(() => {
      const { store } = window.roaringMesh
      store.set('doomed', 'set while the other was away')
      for (let i = 0; i < 1000; i++) store.set(`missed-${String(i).padStart(4, '0')}`, `written while away ${i}`)
    })
    await others[1].evaluate(() => { window.roaringMesh.store.set('shared', 'written online') })
    await waitForConverged(others, 'the online pages to agree')
    assert.equal((await stateOf(away)).size, 2, 'nothing reached the offline page')
    await away.screenshot({ path: artifact('offline.png') })

    const started = Date.now()
    await setOffline(away, false)
    await waitForConverged(pages, 'every page to converge after the offline page came back', 60_000)
    numbers.offlineCatchUp1000WritesMs = Date.now() - started
    const relay = await control.call<{ hash: string }>('relay:state')
    assert.equal((await stateOf(away)).hash, relay.hash, 'the relay converged too')
    const shared = await Promise.all(pages.map(async (page) => await valueIn(page, 'shared')))
    assert.ok(shared.every((value) => value === shared[0]) && ['written offline', 'written online'].includes(shared[0]!), `one winner for the same key: ${shared.join(', ')}`)
    assert.equal(await valueIn(others[1], 'offline-only'), 'kept')
    assert.equal(await valueIn(away, 'doomed'), 'set while the other was away', 'a concurrent set survives a delete that did not see it')
    assert.equal((await stateOf(away)).size, 1003)
    await away.waitForSelector('#status.is-online')
    await away.screenshot({ path: artifact('back-online.png') })
    t.diagnostic(`an offline page caught up with 1,000 missed writes in ${String(numbers.offlineCatchUp1000WritesMs)} ms`)
  })

  it('a page that reloads gets its data back from IndexedDB and catches up', async () => {
    const control = await meshControl(true)
    const [page, other] = await isolatedPages(control.url, 2)
    await waitForFullMesh([page, other])
    await setThroughForm(page, 'written-before-reload', 'survives')
    await waitForRow(other, 'written-before-reload', 'survives')
    // Offline, a reload cannot get the data back from a peer: only from the tab's own storage.
    await setOffline(page, true)
    await setThroughForm(other, 'missed-during-reload', 'caught up')
    await page.reload()
    await page.waitForSelector('body[data-state="ready"]')
    assert.equal(await page.isChecked('#offline'), true, 'a reload keeps the tab offline')
    assert.equal(await valueIn(page, 'written-before-reload'), 'survives', 'the entry came back from IndexedDB')
    assert.equal(await valueIn(page, 'missed-during-reload'), undefined)
    await setOffline(page, false)
    await waitForRow(page, 'missed-during-reload', 'caught up')
    await waitForConverged([page, other], 'the reloaded page to catch up')
  })

  it('a Node.js peer in the same mesh sees the browsers\' writes, and its writes reach them (npm start and node-peer.ts)', async () => {
    const start = ns.spawnNode('examples/browser-mesh/start.ts', ['--port', '0', '--relay-port', '0', '--data', join(ns.dir, 'start-data')])
    const startOut = new LineReader(start)
    let nodePeer: ReturnType<NetNamespace['spawnNode']> | undefined
    try {
      const url = (await startOut.next((line) => line.trim().startsWith('page:'), 'start.ts to print the page URL')).trim().slice('page:'.length).trim()
      const relay = (await startOut.next((line) => line.trim().startsWith('relay:'), 'start.ts to print the relay address')).trim().slice('relay:'.length).trim()
      // npm start makes a private mesh: its link carries the key, which the Node peer is given too.
      const meshKey = new URLSearchParams(new URL(url).hash.slice(1)).get('key')
      assert.ok(meshKey != null, 'the printed link carries the mesh key in its fragment')
      nodePeer = ns.spawnNode('examples/browser-mesh/node-peer.ts', ['--bootstrap', relay, `--key=${meshKey}`])
      const nodeOut = new LineReader(nodePeer)
      await nodeOut.next((line) => line.startsWith('peer joined'), 'the Node peer to join through the relay')
      const [page] = await isolatedPages(url, 1)
      await setThroughForm(page, 'from-browser', 'hello node')
      await nodeOut.next((line) => line === 'remote: from-browser = hello node', 'the Node peer to see the browser\'s write')
      nodePeer.stdin!.write('set from-node hello browser\n')
      await waitForRow(page, 'from-node', 'hello browser')
      await page.screenshot({ path: artifact('with-node-peer.png') })
    } finally {
      nodePeer?.stdin!.end()
      start.kill('SIGTERM')
      await Promise.all([start, nodePeer].map(async (proc) => {
        if (proc == null || proc.exitCode != null) return
        await new Promise((resolve) => { proc.once('exit', resolve) })
      }))
    }
    assert.equal(start.exitCode, 0, 'start.ts stops cleanly on SIGTERM')
  })

  it('a page receiving a 100,000-entry state sync stays responsive (no main-thread task over 100 ms)', async (t) => {
    const control = await meshControl(true)
    const [page] = await isolatedPages(control.url, 1)
    await waitUntil(async () => (await connectionsOf(page)).length > 0, 'the page to reach the relay')
    // Offline while the relay fills up, so the entries arrive as one state sync when it comes back.
    await setOffline(page, true)
    assert.equal(await control.call('relay:fill', { count: 100_000, prefix: 'bulk-' }), 100_000)
    // The Long Tasks API measures wall time, which on a shared 2-core machine also counts the
    // time other processes held the CPU (a 60 ms task was seen using 18 ms of CPU, one of 87 ms
    // using 1 ms). Chromium's trace gives each task's CPU time on the page's main thread too: the
    // test holds that to 100 ms, and records both.
    const trace = join(ns.dir, 'sync-trace.json')
    await browser.startTracing(page, { path: trace, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] })
    const syncStart = await page.evaluate(() => performance.now())
    await setOffline(page, false)
    await waitUntil(async () => (await stateOf(page)).size === 100_000, 'the page to integrate 100,000 entries', 90_000)
    const syncEnd = await page.evaluate(() => performance.now())
    // Held in IndexedDB: everything integrated is durable.
    const durableEnd = await page.evaluate(async () => { await window.roaringMesh.store.flush(); return performance.now() })
    await browser.stopTracing()
    const longTasks = await page.evaluate(([from, to]) => window.longTasks.filter((task) => task.start + task.duration >= from && task.start <= to), [syncStart, syncEnd])
    const cpuMs = mainThreadTaskCpuMs(JSON.parse(await readFile(trace, 'utf8')))
    await rm(trace)
    numbers.stateSync100k = {
      ms: Math.round(syncEnd - syncStart),
      durableMs: Math.round(durableEnd - syncStart),
      longTasksOver50msWallClock: longTasks.map((task) => Math.round(task.duration)),
      longestTaskCpuMs: Math.round(Math.max(0, ...cpuMs)),
      tasks: cpuMs.length
    }
    t.diagnostic(`100,000 entries by state sync in ${Math.round(syncEnd - syncStart)} ms, in IndexedDB after ${Math.round(durableEnd - syncStart)} ms; longest main-thread task ${Math.round(Math.max(...cpuMs))} ms of CPU; Long Tasks API (wall clock): ${JSON.stringify(longTasks.map((task) => Math.round(task.duration)))}`)
    await page.waitForFunction(() => document.getElementById('entry-count')?.textContent === '100,000')
    await page.screenshot({ path: artifact('100k-entries.png') })
    assert.ok(cpuMs.length > 0, 'the trace holds the page\'s main-thread tasks')
    assert.deepEqual(cpuMs.filter((ms) => ms > 100), [], 'no main-thread task used over 100 ms of CPU while integrating')
  })
})
