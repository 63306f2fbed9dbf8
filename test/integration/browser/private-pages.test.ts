// The browser example as a private mesh: the key travels in the link's fragment. Same set-up as
// browser-mesh.test.ts (one private network namespace, loopback only, no STUN).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateMeshKey } from '../../../src/index.ts'
import { ensureChromium, waitUntil, writeBundle } from './browser-fixture.ts'
import { MeshControl } from './mesh-control-client.ts'
import { NetNamespace } from './net-namespace.ts'
import { directPeersOf, openPage, peerIdOf, setThroughForm, stateOf, valueIn, waitForRow } from './page-queries.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

describe('the browser example as a private mesh, in Chromium', { timeout: 300_000 }, () => {
  let ns: NetNamespace
  let browser: Browser
  let control: MeshControl
  const contexts: BrowserContext[] = []
  const meshKey = generateMeshKey()

  before(async () => {
    ensureChromium()
    ns = await NetNamespace.create()
    browser = await ns.launchChromium()
    control = await MeshControl.start(ns, await writeBundle(ns.dir))
    await control.call('relay:start', { meshKey })
  }, { timeout: 300_000 })

  after(async () => {
    for (const context of contexts) await context.close().catch(() => {})
    await control?.close()
    await browser?.close()
    await ns?.close()
  })

  async function page (url: string): Promise<Page> {
    const context = await browser.newContext()
    contexts.push(context)
    return await openPage(context, url)
  }

  it('two pages opened with the same invite link sync directly over WebRTC; a page without the key gets nothing', async () => {
    const invite = `${control.url}#key=${meshKey}`
    const [a, b] = await Promise.all([page(invite), page(invite)])
    assert.equal(await a.textContent('#privacy'), 'Private')
    assert.equal(await a.isHidden('#invite'), false, 'a private page offers an Invite button')
    const [idA, idB] = await Promise.all([peerIdOf(a), peerIdOf(b)])
    await waitUntil(async () => (await directPeersOf(a)).includes(idB) && (await directPeersOf(b)).includes(idA), 'the two pages to connect over WebRTC', 60_000)
    await setThroughForm(a, 'secret', 'for members only')
    await waitForRow(b, 'secret', 'for members only')
    await control.call('relay:set', { key: 'from-relay', value: 'relayed' })
    await waitForRow(a, 'from-relay', 'relayed')

    const outsider = await page(control.url)
    assert.equal(await outsider.textContent('#privacy'), 'Open')
    // Long enough for the relay to refuse it and its link to redial: it still holds nothing.
    await new Promise((resolve) => setTimeout(resolve, 8000))
    assert.equal((await stateOf(outsider)).size, 0, 'the page without the key got nothing')
    assert.equal(await valueIn(outsider, 'secret'), undefined)
    assert.deepEqual(await directPeersOf(outsider), [])
  })
})
