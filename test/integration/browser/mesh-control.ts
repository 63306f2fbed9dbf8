// The Node.js side of the browser end-to-end tests, run inside the tests' network namespace:
// serves the page and starts, fills and stops the relay on command. It reads one JSON command
// per line on stdin ({ id, op, ...args }) and answers one JSON line on stdout ({ id, result }
// or { id, error }); its first line is { ready: true, url }.
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { MemStore, stringCodec } from '../../../src/index.ts'
import { servePage } from '../../../examples/browser-mesh/page-server.ts'
import { startRelay, type Relay } from '../../../examples/browser-mesh/relay.ts'

const bundleDir = process.argv[2]
const mesh = process.argv[3] ?? 'browser-mesh'
if (bundleDir == null) throw new Error('usage: mesh-control.ts <bundle dir> [mesh]')

const bundle = { js: await readFile(`${bundleDir}/main.js`, 'utf8'), map: await readFile(`${bundleDir}/main.js.map`, 'utf8') }
// A bundle of another app (the README's) brings its own page.
const html = await readFile(`${bundleDir}/index.html`, 'utf8').catch(() => undefined)
let relay: Relay | undefined
// Like `npm run page`, which reads the relay's relay.json: its last addresses, also while it is down.
let relayAddresses: string[] = []
const server = await servePage({ bundle, html, config: () => ({ mesh, relay: relayAddresses, iceServers: [] }) })

function requireRelay (): Relay {
  if (relay == null) throw new Error('the relay is not running')
  return relay
}

const ops: Record<string, (args: Record<string, any>) => Promise<unknown> | unknown> = {
  'relay:start': async ({ meshKey, dataDir, port }) => {
    relay ??= await startRelay({ mesh, meshKey, dataDir, port })
    relayAddresses = relay.addresses
    return { address: relay.addresses[0], peerId: relay.peer.libp2p.peerId.toString() }
  },
  'relay:stop': async () => {
    await relay?.stop()
    relay = undefined
  },
  /**
   * Gives the relay `count` entries (`<prefix><i>` = a 24-character value) written by another
   * replica, as if synced from it: nothing is published on the topic (gossipsub would also offer
   * recent messages to peers that join), so a page gets them by state sync alone.
   */
  'relay:fill': ({ count, prefix }) => {
    const store = requireRelay().store
    const writer = new MemStore<string, string>('writer', { keys: stringCodec, values: stringCodec })
    writer.begin()
    for (let i = 0; i < count; i++) writer.set(`${prefix}${String(i).padStart(6, '0')}`, `value ${i} ${'x'.repeat(12)}`)
    store.integrateOps(writer.commitWithOps())
    return store.size
  },
  'relay:state': () => {
    const store = requireRelay().store
    return { size: store.size, hash: Buffer.from(store.stateHash()).toString('hex') }
  },
  'relay:get': ({ key }) => requireRelay().store.get(key) ?? null,
  'relay:set': ({ key, value }) => { requireRelay().store.set(key, value) },
  quit: async () => {
    await relay?.stop()
    await server.close()
    setImmediate(() => process.exit(0))
  }
}

const reply = (message: unknown): void => { process.stdout.write(JSON.stringify(message) + '\n') }
createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, op, ...args } = JSON.parse(line) as { id: number, op: string }
  Promise.resolve()
    .then(async () => {
      const run = ops[op]
      if (run == null) throw new Error(`unknown op ${op}`)
      return await run(args)
    })
    .then((result) => { reply({ id, result: result ?? null }) }, (err: Error) => { reply({ id, error: err.stack ?? err.message }) })
}).on('close', () => { void ops.quit({}) })
reply({ ready: true, url: server.url })
