/**
 * The attacker of victim.ts, started by it: `attacker.ts <srcRoot> <kind> <victim multiaddr> <topic>`.
 * gossip-big: ten well-formed 3 MB ops messages; gossip-garbage: 20,000 1 KiB messages no
 * decoder accepts; gossip-flood: 20,000 well-formed 1 KiB ops messages; diff: 16 parallel full
 * diff pulls, again and again for 20 s, ignoring refusals.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { randomBytes } from 'node:crypto'
const [root, kind, addr, topic] = process.argv.slice(2)
const { MemStore, encodeOps, diffSync } = await import(`${root}/src/index.ts`)
const node: any = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }), diffSync: diffSync({ maxOutboundStreams: 64, timeout: 30_000 }) }
})
const ma = multiaddr(addr)
await node.dial(ma)
const victimId = node.getConnections()[0].remotePeer
const result: Record<string, number> = {}
const DURATION = 20_000
const start = Date.now()
if (kind.startsWith('gossip')) {
  node.services.pubsub.subscribe(topic)
  while (!node.services.pubsub.getSubscribers(topic).some((p: any) => p.equals(victimId))) await new Promise((r) => setTimeout(r, 50))
  await new Promise((r) => setTimeout(r, 1500))
  // Ten well-formed 3 MB messages, then 20,000 well-formed 1 KiB ones.
  const big = new MemStore(); big.begin()
  for (let i = 0; i < 3; i++) big.set(Uint8Array.of(i), new Uint8Array(randomBytes(1000 * 1024)))
  const bigOps = big.commitWithOps()
  let bigSent = 0
  for (let i = 0; i < (kind === 'gossip-big' ? 10 : 0); i++) {
    const s = new MemStore(); s.begin()
    for (const op of bigOps) s.set(new Uint8Array([...op.key, i]), op.value)
    await node.services.pubsub.publish(topic, encodeOps(s.commitWithOps())).then(() => bigSent++, () => {})
  }
  const src = new MemStore()
  let sent = 0
  const t0 = performance.now()
  for (let i = 0; i < (kind === 'gossip-big' ? 0 : 20_000); i++) {
    let message: Uint8Array
    if (kind === 'gossip-garbage') {
      message = new Uint8Array(randomBytes(1024)); message[0] = 0xee
    } else {
      src.begin()
      src.set(new Uint8Array(randomBytes(16)), new Uint8Array(randomBytes(1024)))
      message = encodeOps(src.commitWithOps())
    }
    await node.services.pubsub.publish(topic, message).then(() => sent++, () => {})
  }
  result.bigSent = bigSent
  result.sent = sent
  result.perSecond = Math.round(sent / ((performance.now() - t0) / 1000))
  await new Promise((r) => setTimeout(r, 3000))
} else {
  const empty = new MemStore()
  const sink = { inTransaction: false, requestDiff: (o: any) => empty.requestDiff(o), buildDiffFrames: () => [], integrateDiff: () => {} }
  let served = 0; let refused = 0; let failed = 0; let bytes = 0
  while (Date.now() - start < DURATION) {
    const rs = await Promise.allSettled(Array.from({ length: 16 }, async () => await node.services.diffSync.pull(victimId, 'test', sink, { summary: false })))
    for (const r of rs) {
      if (r.status === 'fulfilled') { served++; bytes += r.value.bytesReceived } else if (r.reason?.name === 'DiffRefusedError') refused++; else failed++
    }
  }
  Object.assign(result, { served, refused, failed, mbPulled: Math.round(bytes / 1e6) })
}
console.log(JSON.stringify(result))
await node.stop()
process.exit(0)
