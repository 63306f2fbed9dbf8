// A Node.js peer of the browser mesh, driven from the terminal: it shares one store with the
// browsers through the relay, and redials the relay (with backoff) when it restarts.
// Run: npm run node-peer -- --bootstrap <relay multiaddr> [--mesh browser-mesh] [--key=<mesh key>]
// Then type: set <key> <value> · delete <key> · get <key> · list · peers · stats · quit
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { BrowserDiscovery, MemStore, RelayLinks, createMeshPeer, nodePreset, stringCodec } from '../../src/index.ts'
import { stopOnSignals } from './stop-on-signals.ts'

const { values: args } = parseArgs({
  options: {
    bootstrap: { type: 'string', multiple: true, default: [] },
    mesh: { type: 'string', default: 'browser-mesh' },
    key: { type: 'string' }
  }
})
if (args.bootstrap.length === 0) {
  console.error('usage: node-peer.ts --bootstrap <relay multiaddr> [--mesh <name>] [--key=<mesh key>]')
  process.exit(2)
}

const store = new MemStore<string, string>('node-peer', { keys: stringCodec, values: stringCodec })
const peer = await createMeshPeer({ store, mesh: args.mesh, meshKey: args.key, libp2p: nodePreset({ listen: [] }) })
await peer.start()
const relays = new RelayLinks(peer.libp2p, args.bootstrap)
await relays.start()
// Announces this peer (with no address: browsers reach it through the relay), so pages list it.
const discovery = new BrowserDiscovery(peer.libp2p, { topic: peer.topic, dial: false })
discovery.start()

const print = (line: string): void => { console.log(line) }
print(`joined mesh "${args.mesh}" as ${peer.libp2p.peerId.toString()}`)
peer.addEventListener('peer:connect', (event) => { print(`peer joined ${event.detail.toString()}`) })
peer.addEventListener('peer:disconnect', (event) => { print(`peer left ${event.detail.toString()}`) })
store.addEventListener('change', (event) => {
  if (event.origin !== 'remote') return
  for (const { key, value } of event.changes) print(value === undefined ? `remote: ${key} deleted` : `remote: ${key} = ${value}`)
})

const stop = async (): Promise<void> => {
  discovery.stop()
  relays.stop()
  await peer.stop()
}
stopOnSignals(stop)

const commands: Record<string, (rest: string[]) => void> = {
  set: ([key, ...value]) => {
    if (key == null) return print('usage: set <key> <value>')
    store.set(key, value.join(' '))
    print(`ok: ${key} = ${value.join(' ')}`)
  },
  delete: ([key]) => {
    if (key == null) return print('usage: delete <key>')
    print(store.delete(key) ? `ok: ${key} deleted` : `no key ${key}`)
  },
  get: ([key]) => { print(key == null ? 'usage: get <key>' : `${key} = ${store.get(key) ?? '(none)'}`) },
  list: () => {
    for (const [key, value] of store.entries()) print(`${key} = ${value}`)
    print(`(${store.size} keys)`)
  },
  peers: () => {
    for (const connection of peer.libp2p.getConnections()) print(`${connection.remotePeer.toString()} ${connection.remoteAddr.toString()}`)
  },
  stats: () => { print(JSON.stringify(peer.stats())) },
  help: () => { print('set <key> <value> · delete <key> · get <key> · list · peers · stats · quit') },
  quit: () => { process.kill(process.pid, 'SIGTERM') }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, ...rest] = line.trim().split(/\s+/)
  if (command === '') return
  const run = commands[command]
  if (run == null) print(`unknown command ${command}; try help`)
  else run(rest)
}).on('close', () => { process.kill(process.pid, 'SIGTERM') })
