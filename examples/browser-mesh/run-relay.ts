// The example's relay on its own: npm run relay -- [options]; the page server runs apart
// (npm run page), so pages reload while the relay is down, and find it again when it is back.
//   --host <ip>  (default 127.0.0.1)   --port <n> WebSockets port (default 9090)
//   --mesh <name> (default browser-mesh)
//   --data <dir> its peer key, the mesh key and relay.json (default examples/browser-mesh/.relay-data)
//   --key=<key>  the mesh key (default: the one kept in --data, made on first start)   --open  no key
import { parseArgs } from 'node:util'
import { DEFAULT_RELAY_DATA, RelayData } from './relay-data.ts'
import { startRelay } from './relay.ts'
import { stopOnSignals } from './stop-on-signals.ts'

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9090' },
    mesh: { type: 'string', default: 'browser-mesh' },
    data: { type: 'string', default: DEFAULT_RELAY_DATA },
    key: { type: 'string' },
    open: { type: 'boolean', default: false }
  }
})

const meshKey = args.open ? undefined : await new RelayData(args.data).meshKey(args.key)
const relay = await startRelay({ host: args.host, port: Number(args.port), mesh: args.mesh, meshKey, dataDir: args.data })
stopOnSignals(relay.stop)
relay.peer.addEventListener('peer:connect', (event) => { console.log(`  + peer ${event.detail.toString()} joined`) })
relay.peer.addEventListener('peer:disconnect', (event) => { console.log(`  - peer ${event.detail.toString()} left`) })
console.log(`roaring-mesh relay of mesh "${args.mesh}" (${meshKey == null ? 'OPEN' : 'private'}), data in ${args.data}
  relay: ${relay.addresses[0]}
Ctrl-C stops.`)
