// Starts the browser-mesh example: the relay node, and an HTTP server for the page.
// Run: npm start   (or: node --experimental-transform-types examples/browser-mesh/start.ts [options])
//   --host <ip>         interface for both; 0.0.0.0 to reach them from the LAN (default 127.0.0.1)
//   --port <n>          the page's port (default 8080; 0 picks a free one)
//   --relay-port <n>    the relay's WebSockets port (default 9090; 0 picks a free one)
//   --mesh <name>       the mesh to join (default browser-mesh)
//   --stun <url>        a STUN server for WebRTC across NATs, e.g. stun:stun.l.google.com:19302
//                       (repeatable; by default none: host candidates only, fine on one machine or a LAN)
import { parseArgs } from 'node:util'
import { bundlePage, servePage } from './page-server.ts'
import { startRelay } from './relay.ts'

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    'relay-port': { type: 'string', default: '9090' },
    mesh: { type: 'string', default: 'browser-mesh' },
    stun: { type: 'string', multiple: true, default: [] }
  }
})

const mesh = args.mesh
const [relay, bundle] = await Promise.all([
  startRelay({ host: args.host, port: Number(args['relay-port']), mesh }),
  bundlePage()
])
const server = await servePage({
  host: args.host,
  port: Number(args.port),
  bundle,
  config: () => ({ mesh, relay: relay.addresses, iceServers: args.stun.length > 0 ? [{ urls: args.stun }] : [] })
})

relay.peer.addEventListener('peer:connect', (event) => { console.log(`  + peer ${event.detail.toString()} joined`) })
relay.peer.addEventListener('peer:disconnect', (event) => { console.log(`  - peer ${event.detail.toString()} left`) })

console.log(`roaring-mesh browser mesh "${mesh}"
  page:  ${server.url}
  relay: ${relay.addresses[0]}

Open the page in two windows (or two browsers) and write in one. To join from a terminal:
  npx node --experimental-transform-types examples/browser-mesh/node-peer.ts --bootstrap ${relay.addresses[0]}
Ctrl-C stops.
`)

let stopping = false
async function stop (): Promise<void> {
  if (stopping) return
  stopping = true
  await Promise.all([server.close(), relay.stop()])
  process.exit(0)
}
process.on('SIGINT', () => { void stop() })
process.on('SIGTERM', () => { void stop() })
