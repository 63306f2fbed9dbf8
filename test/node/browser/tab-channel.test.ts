// The tab channel between stores in one process: Node.js has BroadcastChannel too, and
// instances of one name deliver to each other as tabs of one browser do.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { MemStore, encodeOps, stringCodec, type Op } from '../../../src/index.ts'
import { TabChannel } from '../../../src/node/browser/tab-channel.ts'

const store = (name: string): MemStore<string, string> => new MemStore<string, string>(name, { keys: stringCodec, values: stringCodec })

async function until (condition: () => boolean, what: string, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('TabChannel', () => {
  const channels: TabChannel[] = []
  after(() => { for (const channel of channels) channel.close() })

  function open (of: MemStore<string, string>, name: string): TabChannel {
    const channel = new TabChannel(of, name, { heartbeat: 200, minRequestInterval: 50 })
    channels.push(channel)
    channel.open()
    return channel
  }

  it('carries each commit to the other tabs, and a tab that opens later gets the state', async () => {
    const [a, b] = [store('a'), store('b')]
    const [ca] = [open(a, 'tabs-1'), open(b, 'tabs-1')]
    a.set('color', 'blue')
    await until(() => b.get('color') === 'blue', 'the op to reach the other tab')
    b.set('size', 'large')
    await until(() => a.get('size') === 'large', 'the op to come back')
    const c = store('c')
    open(c, 'tabs-1')
    await until(() => c.get('color') === 'blue' && c.get('size') === 'large', 'the late tab to get the state by diff')
    await until(() => ca.tabs.length === 2, 'the first tab to know both others')
    assert.ok(ca.stats.messagesReceived > 0 && ca.stats.invalidMessages === 0)
  })

  it('holds remote ops while the app\'s transaction is open, as the topic does (one intake)', async () => {
    const [a, b] = [store('a2'), store('b2')]
    open(a, 'tabs-2')
    open(b, 'tabs-2')
    b.begin()
    b.set('local', 'in a transaction')
    a.set('remote', 'from a')
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.equal(b.get('remote'), undefined, 'nothing integrated into the open transaction')
    b.commit()
    await until(() => b.get('remote') === 'from a', 'the ops to enter once the transaction ended')
  })

  it('asks the other tabs for what a gap shows missing', async () => {
    const writer = store('writer')
    writer.set('first', '1')
    // Commits of a few ms share a signed batch: the first is signed and out before the second.
    await writer.signed()
    let second: Op[] = []
    writer.addEventListener('ops', (event) => { second = [...event.ops] }, { once: true })
    writer.set('second', '2')
    // Another tab, raw: it sends the writer's second op only, and hears what b asks for.
    const other = new BroadcastChannel('tabs-3')
    const heard: Array<{ type: string }> = []
    other.addEventListener('message', (event: MessageEvent) => { heard.push(event.data) })
    const b = store('b3')
    open(b, 'tabs-3')
    try {
      await until(() => heard.some((m) => m.type === 'request'), 'b\'s first request, when it opened')
      heard.length = 0
      other.postMessage({ type: 'ops', from: 'other-tab', ops: encodeOps(second) })
      await until(() => b.get('second') === '2', 'the op to be integrated')
      assert.equal(b.get('first'), undefined, 'the first op never came: a gap')
      await until(() => heard.some((m) => m.type === 'request'), 'b to ask for what the gap shows missing')
    } finally {
      other.close()
    }
  })
})
