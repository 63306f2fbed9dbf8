// The example's page server on its own: npm run page -- [options]. It serves the page and a
// config.json naming the relay, read again at every request from the relay's relay.json (or the
// --relay addresses), so it runs whether the relay is up or not.
//   --host <ip>  (default 127.0.0.1)   --port <n> (default 8080)   --mesh <name> (default browser-mesh)
//   --data <dir> the relay's data directory (default examples/browser-mesh/.relay-data)
//   --relay <multiaddr>  the relay's address instead (repeatable)   --stun <url> (repeatable)
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { bundlePage, servePage } from './page-server.ts'
import { DEFAULT_RELAY_DATA, RelayData } from './relay-data.ts'
import { stopOnSignals } from './stop-on-signals.ts'

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    mesh: { type: 'string', default: 'browser-mesh' },
    data: { type: 'string', default: DEFAULT_RELAY_DATA },
    relay: { type: 'string', multiple: true, default: [] },
    stun: { type: 'string', multiple: true, default: [] }
  }
})

const data = new RelayData(args.data)
let relays = args.relay
const server = await servePage({
  host: args.host,
  port: Number(args.port),
  bundle: await bundlePage(),
  config: () => ({ mesh: args.mesh, relay: relays, iceServers: args.stun.length > 0 ? [{ urls: args.stun }] : [] })
})
// The relay may restart elsewhere: its file is read again every second.
const refresh = async (): Promise<void> => { if (args.relay.length === 0) relays = await data.readAddresses().catch(() => relays) }
await refresh()
const timer = setInterval(() => { void refresh() }, 1000)
stopOnSignals(async () => {
  clearInterval(timer)
  await server.close()
})
const meshKey = (await readFile(join(args.data, 'mesh.key'), 'utf8').catch(() => '')).trim()
console.log(`roaring-mesh page server of mesh "${args.mesh}"
  page:  ${meshKey === '' ? server.url : `${server.url}#key=${meshKey}`}
  relay: ${relays[0] ?? `none yet: start it with npm run relay (its addresses are read from ${args.data}/relay.json)`}
Ctrl-C stops.`)
