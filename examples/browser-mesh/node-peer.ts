// A Node.js peer of the browser mesh, driven from the terminal: it shares one store with the
// browsers through the relay. (The package's own `roaring-mesh peer` command comes later.)
// Run: npx node --experimental-transform-types examples/browser-mesh/node-peer.ts --bootstrap <relay multiaddr> [--mesh browser-mesh] [--key <mesh key>]
// Then type: set <key> <value> · delete <key> · get <key> · list · peers · stats · quit
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { MemStore, createMeshPeer, nodePreset, stringCodec } from '../../src/index.ts'
import { RelayLink } from './shared/relay-link.ts'

const { values: args } = parseArgs({
  options: {
    bootstrap: { type: 'string', multiple: true, default: [] },
    mesh: { type: 'string', default: 'browser-mesh' },
    key: { type: 'string' }
  }
})
if (args.bootstrap.length === 0) {
  console.error('usage: node-peer.ts --bootstrap <relay multiaddr> [--mesh <name>]')
  process.exit(2)
}

const store = new MemStore<string, string>('node-peer', { keys: stringCodec, values: stringCodec })
const peer = await createMeshPeer({ store, mesh: args.mesh, meshKey: args.key, libp2p: nodePreset({ listen: [] }) })
await peer.start()
const links = args.bootstrap.map((address) => new RelayLink(peer.libp2p, multiaddr(address)))
for (const link of links) link.start()

const print = (line: string): void => { console.log(line) }
print(`joined mesh "${args.mesh}" as ${peer.libp2p.peerId.toString()}`)
peer.addEventListener('peer:connect', (event) => { print(`peer joined ${event.detail.toString()}`) })
peer.addEventListener('peer:disconnect', (event) => { print(`peer left ${event.detail.toString()}`) })
store.addEventListener('change', (event) => {
  if (event.origin !== 'remote') return
  for (const { key, value } of event.changes) print(value === undefined ? `remote: ${key} deleted` : `remote: ${key} = ${value}`)
})

async function stop (): Promise<void> {
  for (const link of links) link.stop()
  await peer.stop()
  process.exit(0)
}

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
  quit: () => { void stop() }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, ...rest] = line.trim().split(/\s+/)
  if (command === '') return
  const run = commands[command]
  if (run == null) print(`unknown command ${command}; try help`)
  else run(rest)
}).on('close', () => { void stop() })
process.on('SIGINT', () => { void stop() })
process.on('SIGTERM', () => { void stop() })
