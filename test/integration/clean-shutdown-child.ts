// Run by clean-shutdown.test.ts in a child process: two peers sync both ways, pull a diff,
// stop, and then the process must end on its own (no process.exit anywhere).
import { MemStore, createMeshPeer, nodePreset } from '../../src/index.ts'

const encoder = new TextEncoder()
const [a, b] = await Promise.all([0, 1].map(async () => {
  const peer = await createMeshPeer({ store: new MemStore(), mesh: 'shutdown', libp2p: nodePreset({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'] }) })
  await peer.start()
  return peer
}))
for (let i = 0; i < 100; i++) a.store.set(encoder.encode(`before-${i}`), encoder.encode('a'))
await a.dial(b.libp2p.getMultiaddrs()[0])
const deadline = Date.now() + 20_000
const synced = (): boolean => b.store.size === 101 && a.store.size === 101
b.store.set(encoder.encode('from-b'), encoder.encode('b'))
while (!synced()) {
  if (Date.now() > deadline) throw new Error('the peers did not sync')
  await new Promise((resolve) => setTimeout(resolve, 20))
}
await a.syncWith(b.libp2p.peerId)
await Promise.all([a.stop(), b.stop()])
process.stdout.write('stopped\n')
