// Starts the browser-mesh example: the relay node, and an HTTP server for the page, in one
// process. To run them apart (so the page reloads while the relay is down): npm run relay, npm run page.
// Run: npm start   (or: node --experimental-transform-types examples/browser-mesh/start.ts [options])
//   --host <ip>         interface for both; 0.0.0.0 to reach them from the LAN (default 127.0.0.1)
//   --port <n>          the page's port (default 8080; 0 picks a free one)
//   --relay-port <n>    the relay's WebSockets port (default 9090; 0 picks a free one)
//   --mesh <name>       the mesh to join (default browser-mesh)
//   --stun <url>        a STUN server for WebRTC across NATs, e.g. stun:stun.l.google.com:19302
//                       (repeatable; by default none: host candidates only, fine on one machine or a LAN)
//   --data <dir>        the relay's data directory: its peer key and the mesh key, kept across
//                       restarts (default examples/browser-mesh/.relay-data)
//   --key=<key>         the mesh key (default: the one in the data directory, made on first start)
//   --open              no key: an open mesh anyone who reaches the relay can read and write
import { parseArgs } from 'node:util'
import { bundlePage, servePage } from './page-server.ts'
import { DEFAULT_RELAY_DATA, RelayData } from './relay-data.ts'
import { startRelay } from './relay.ts'
import { stopOnSignals } from './stop-on-signals.ts'

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    'relay-port': { type: 'string', default: '9090' },
    mesh: { type: 'string', default: 'browser-mesh' },
    stun: { type: 'string', multiple: true, default: [] },
    data: { type: 'string', default: DEFAULT_RELAY_DATA },
    key: { type: 'string' },
    open: { type: 'boolean', default: false }
  }
})

const mesh = args.mesh
const data = new RelayData(args.data)
const meshKey = args.open ? undefined : await data.meshKey(args.key)
const [relay, bundle] = await Promise.all([
  startRelay({ host: args.host, port: Number(args['relay-port']), mesh, meshKey, dataDir: args.data }),
  bundlePage()
])
const server = await servePage({
  host: args.host,
  port: Number(args.port),
  bundle,
  config: () => ({ mesh, relay: relay.addresses, iceServers: args.stun.length > 0 ? [{ urls: args.stun }] : [] })
})
stopOnSignals(async () => { await Promise.all([server.close(), relay.stop()]) })

relay.peer.addEventListener('peer:connect', (event) => { console.log(`  + peer ${event.detail.toString()} joined`) })
relay.peer.addEventListener('peer:disconnect', (event) => { console.log(`  - peer ${event.detail.toString()} left`) })

// The key travels in the link's fragment, which browsers never send to the page server.
const link = meshKey == null ? server.url : `${server.url}#key=${meshKey}`
console.log(`roaring-mesh browser mesh "${mesh}" (${meshKey == null ? 'OPEN: anyone who reaches the relay reads and writes it' : 'private'})
  page:  ${link}
  relay: ${relay.addresses[0]}

Open the link in two windows (or two browsers) and write in one; the page's Invite button
copies it. ${meshKey == null ? '' : 'The link holds the mesh key: share it only with members. '}The relay keeps its id and the key in
${args.data}, so open pages and peers reconnect after a restart. To join from a terminal:
  npm run node-peer -- --bootstrap ${relay.addresses[0]}${meshKey == null ? '' : ` --key=${meshKey}`}
Ctrl-C stops.
`)
