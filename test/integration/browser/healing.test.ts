// The mesh heals itself: a relay restarted on its data directory keeps its peer id and address,
// and the pages (which do not reload) and a terminal peer (with the old --bootstrap address)
// find it again; a page shows when it lost its relay, and when it lost every link. Same set-up
// as browser-mesh.test.ts: one private network namespace, loopback only, no STUN.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, afterEach, before, describe, it } from 'node:test'
import { generateMeshKey } from '../../../src/index.ts'
import { artifact, ensureChromium, waitUntil, writeBundle } from './browser-fixture.ts'
import { LineReader, MeshControl } from './mesh-control-client.ts'
import { NetNamespace } from './net-namespace.ts'
import { directPeersOf, openPage, peerIdOf, setThroughForm, waitForRow } from './page-queries.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

/** The relay's state as the page's status line says it (page/view/status-badge.ts). */
async function relayShown (page: Page): Promise<string | undefined> {
  return await page.evaluate(() => document.getElementById('relay-status')?.dataset.relay)
}

async function stateShown (page: Page): Promise<{ state?: string, text: string }> {
  return await page.evaluate(() => {
    const badge = document.getElementById('status')!
    return { state: badge.dataset.state, text: badge.textContent ?? '' }
  })
}

describe('a mesh that heals itself, in Chromium', { timeout: 600_000 }, () => {
  let ns: NetNamespace
  let browser: Browser
  let bundleDir: string
  const contexts: BrowserContext[] = []
  const controls: MeshControl[] = []
  const meshKey = generateMeshKey()

  before(async () => {
    ensureChromium()
    ns = await NetNamespace.create()
    bundleDir = await writeBundle(ns.dir)
    browser = await ns.launchChromium()
  }, { timeout: 600_000 })

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => {})
    for (const control of controls.splice(0)) await control.close()
  })

  after(async () => {
    await browser?.close()
    await ns?.close()
  })

  /** A page server, and a relay keeping its key in `dataDir`, on a port that the restart reuses. */
  async function relayWithData (dataDir: string): Promise<{ control: MeshControl, address: string, port: number }> {
    const control = await MeshControl.start(ns, bundleDir)
    controls.push(control)
    const { address } = await control.call<{ address: string }>('relay:start', { meshKey, dataDir })
    return { control, address, port: Number(/\/tcp\/(\d+)\//.exec(address)![1]) }
  }

  async function page (url: string): Promise<Page> {
    const context = await browser.newContext()
    contexts.push(context)
    return await openPage(context, url)
  }

  it('a restarted relay keeps its address; two open pages and a terminal peer reconnect and sync again within 15 s', async (t) => {
    const dataDir = join(ns.dir, 'relay-heal')
    const { control, address, port } = await relayWithData(dataDir)
    const invite = `${control.url}#key=${meshKey}`
    const [a, b] = await Promise.all([page(invite), page(invite)])
    const [idA, idB] = await Promise.all([peerIdOf(a), peerIdOf(b)])
    await waitUntil(async () => (await directPeersOf(a)).includes(idB) && (await directPeersOf(b)).includes(idA), 'the pages to connect directly', 60_000)
    const terminal = ns.spawnNode('examples/browser-mesh/node-peer.ts', ['--bootstrap', address, `--key=${meshKey}`])
    try {
      const out = new LineReader(terminal)
      const terminalId = (await out.next((line) => line.startsWith('joined mesh'), 'the terminal peer to start')).split(' as ')[1]
      const relayId = address.split('/p2p/')[1]
      await out.next((line) => line === `peer joined ${relayId}`, 'the terminal peer to reach the relay')
      // The pages list the terminal peer, which they reach only through the relay.
      for (const p of [a, b]) await p.waitForSelector(`li[data-peer="${terminalId}"] [data-link="mesh"]`, { timeout: 30_000 })

      await control.call('relay:stop')
      for (const p of [a, b]) {
        await waitUntil(async () => await relayShown(p) === 'unreachable', 'the page to show that its relay is unreachable')
        assert.deepEqual(await stateShown(p), { state: 'relay-unreachable', text: 'Relay unreachable' }, 'a page with a direct peer but no relay says so')
      }
      await a.screenshot({ path: artifact('relay-lost.png') })
      const joinedBefore = out.lines.length

      const restarted = await control.call<{ address: string }>('relay:start', { meshKey, dataDir, port })
      assert.equal(restarted.address, address, 'the relay came back with the same peer id and address')
      const restartedAt = Date.now()
      await Promise.all([
        ...[a, b].map(async (p) => { await waitUntil(async () => await relayShown(p) === 'reachable', 'the page to reach the restarted relay', 15_000) }),
        out.next((line) => line === `peer joined ${relayId}`, 'the terminal peer to reach the restarted relay', 15_000, joinedBefore)
      ])
      const healMs = Date.now() - restartedAt
      t.diagnostic(`both pages and the terminal peer reconnected ${healMs} ms after the relay restarted`)

      // They sync again, through the restarted relay too.
      await setThroughForm(a, 'after-restart', 'from page a')
      await waitForRow(b, 'after-restart', 'from page a')
      await out.next((line) => line === 'remote: after-restart = from page a', 'the terminal peer to get the page\'s write', 15_000)
      terminal.stdin!.write('set from-terminal hello again\n')
      for (const p of [a, b]) await waitForRow(p, 'from-terminal', 'hello again', 15_000)
      await waitUntil(async () => await control.call('relay:get', { key: 'after-restart' }) === 'from page a', 'the restarted relay to sync', 15_000)
      await a.screenshot({ path: artifact('relay-healed.png') })
    } finally {
      terminal.stdin!.end()
      await new Promise((resolve) => { if (terminal.exitCode != null) resolve(null); else terminal.once('exit', resolve) })
    }
  })

  it('a page that lost every link says "Reconnecting…", reloads while the relay is down, and recovers when it is back', async () => {
    const dataDir = join(ns.dir, 'relay-alone')
    const { control, port } = await relayWithData(dataDir)
    const alone = await page(`${control.url}#key=${meshKey}`)
    await waitUntil(async () => (await stateShown(alone)).state === 'online', 'the page to be online')

    await control.call('relay:stop')
    await waitUntil(async () => (await stateShown(alone)).text === 'Reconnecting…', 'a page that lost every link to say "Reconnecting…"')
    await alone.screenshot({ path: artifact('reconnecting.png') })

    // The page server runs apart from the relay: the page reloads while the relay is down.
    await alone.reload()
    await alone.waitForSelector('body[data-state="ready"]', { timeout: 30_000 })
    await waitUntil(async () => await relayShown(alone) === 'unreachable', 'the reloaded page to try the relay it was told of')

    await control.call('relay:start', { meshKey, dataDir, port })
    await control.call('relay:set', { key: 'back', value: 'relay is back' })
    await waitUntil(async () => (await stateShown(alone)).state === 'online', 'the page to recover when the relay is back', 15_000)
    await waitForRow(alone, 'back', 'relay is back')
  })
})
