// Numbers for the peer (issue 5), over real libp2p nodes on TCP loopback, all in this process:
// op latency, sustained synced ops/s, 5-peer convergence, wire bytes per op, late-joiner sync.
// Run: node --experimental-transform-types --disable-warning=ExperimentalWarning bench/peer-numbers.ts
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import type { MeshPeer } from '../src/index.ts'
import { sleep, startBenchPeer, waitFor } from './bench-peers.ts'
import { arrivalLatency } from './arrival-latency.ts'

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n))
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const KEY_BYTES = 16
const VALUE_BYTES = 128
/** `count` keys and values, made before a clock starts (drawing them costs about what a set does). */
const entriesOf = (count: number): { keys: Uint8Array[], values: Uint8Array[] } => ({
  keys: Array.from({ length: count }, () => random(KEY_BYTES)),
  values: Array.from({ length: count }, () => random(VALUE_BYTES))
})

/** A TCP relay in front of `target` that counts the bytes each way: everything on the wire (noise, yamux, gossipsub, ours). */
async function countingProxy (target: MeshPeer): Promise<{ address: string, toTarget: () => number, fromTarget: () => number, close: () => void }> {
  const [, , host, , targetPort] = target.libp2p.getMultiaddrs()[0].toString().split('/')
  const addr = { host, port: Number(targetPort) }
  let toTarget = 0
  let fromTarget = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(addr.port, addr.host)
    sockets.add(client).add(upstream)
    client.on('data', (chunk) => { toTarget += chunk.byteLength; upstream.write(chunk) })
    upstream.on('data', (chunk) => { fromTarget += chunk.byteLength; client.write(chunk) })
    const end = (): void => { client.destroy(); upstream.destroy() }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    address: `/ip4/127.0.0.1/tcp/${port}/p2p/${target.libp2p.peerId.toString()}`,
    toTarget: () => toTarget,
    fromTarget: () => fromTarget,
    close: () => { for (const socket of sockets) socket.destroy(); server.close() }
  }
}

async function connected (a: MeshPeer, b: MeshPeer): Promise<void> {
  await waitFor(() => a.stats().connectedPeers.includes(b.libp2p.peerId.toString()) && b.stats().connectedPeers.includes(a.libp2p.peerId.toString()) &&
    a.libp2p.services.pubsub.getSubscribers(a.topic).length > 0 && b.libp2p.services.pubsub.getSubscribers(b.topic).length > 0, 'the peers to see each other')
  await sleep(500)
}

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

async function twoPeers (): Promise<{ a: MeshPeer, b: MeshPeer, proxy: Awaited<ReturnType<typeof countingProxy>> }> {
  const [a, b] = await Promise.all([startBenchPeer(), startBenchPeer()])
  const proxy = await countingProxy(b)
  await a.libp2p.dial(multiaddr(proxy.address))
  await connected(a, b)
  return { a, b, proxy }
}

const results: string[] = []
const report = (line: string): void => { results.push(line); process.stdout.write(`${line}\n`) }

// 1. Latency at a low rate, and wire bytes of an op sent alone.
{
  const { a, b, proxy } = await twoPeers()
  const { sent, latencies } = arrivalLatency(b.store)
  const warmup = 20
  const count = 500
  let wireBefore = 0
  let topicBefore = 0
  for (let i = 0; i < warmup + count; i++) {
    if (i === warmup) {
      await sleep(200)
      latencies.length = 0
      wireBefore = proxy.toTarget() + proxy.fromTarget()
      topicBefore = a.stats().topicBytesSent
    }
    const key = random(KEY_BYTES)
    sent(key)
    a.store.set(key, random(VALUE_BYTES))
    await sleep(10)
  }
  await waitFor(() => latencies.length >= count, 'every op to arrive')
  await sleep(200)
  const wire = proxy.toTarget() + proxy.fromTarget() - wireBefore
  latencies.sort((x, y) => x - y)
  report(`op latency, 2 peers, one op every 10 ms (${count} ops): p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p90 ${percentile(latencies, 0.9).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms`)
  report(`wire bytes per op sent alone (16 B key, 128 B value): ${(wire / count).toFixed(0)} B on TCP both ways (payload ${((a.stats().topicBytesSent - topicBefore) / count).toFixed(0)} B)`)

  // 2. Sustained throughput, every set its own transaction.
  const total = 50_000
  const burst = entriesOf(total)
  const startSize = b.store.size
  const messagesBefore = a.stats().messagesSent
  const wire2Before = proxy.toTarget() + proxy.fromTarget()
  const started = performance.now()
  for (let i = 0; i < total; i++) {
    a.store.set(burst.keys[i], burst.values[i])
    // Let the publisher's timers and the network run, as an app's event loop would.
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve))
  }
  const written = performance.now() - started
  await waitFor(() => b.store.size === startSize + total, 'every op to reach b')
  const elapsed = performance.now() - started
  await sleep(300)
  const messages = a.stats().messagesSent - messagesBefore
  const wire2 = proxy.toTarget() + proxy.fromTarget() - wire2Before
  report(`sustained synced ops/s, 2 peers, each set its own transaction: ${(total / elapsed * 1000).toFixed(0)} ops/s (${total} sets written in ${written.toFixed(0)} ms, all on b after ${elapsed.toFixed(0)} ms; ${messages} messages, ${(total / messages).toFixed(1)} ops per message; signed gossip alone carried ~1,100-1,500 messages/s)`)
  report(`wire bytes per op in that burst: ${(wire2 / total).toFixed(0)} B on TCP both ways`)
  proxy.close()
  await Promise.all([a.stop(), b.stop()])
}

// 3. Five peers in a line converge after 10,000 random writes spread over them.
{
  const peers = await Promise.all(Array.from({ length: 5 }, async () => await startBenchPeer()))
  for (let i = 0; i < 4; i++) await peers[i].libp2p.dial(peers[i + 1].libp2p.getMultiaddrs()[0])
  for (let i = 0; i < 4; i++) await connected(peers[i], peers[i + 1])
  const writes = 10_000
  const spread = entriesOf(writes)
  const started = performance.now()
  for (let i = 0; i < writes; i++) {
    peers[Math.floor(Math.random() * peers.length)].store.set(spread.keys[i], spread.values[i])
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve))
  }
  const written = performance.now() - started
  const hash = (peer: MeshPeer): string => hex(peer.store.stateHash())
  await waitFor(() => peers.every((peer) => peer.store.size === writes && hash(peer) === hash(peers[0])), 'the five peers to converge')
  const elapsed = performance.now() - started
  const pulls = peers.reduce((sum, peer) => sum + peer.stats().diffRounds, 0)
  report(`5 peers in a line, 10,000 random writes spread over them: converged ${elapsed.toFixed(0)} ms after the first write (writes took ${written.toFixed(0)} ms; ${pulls} diff pulls in all)`)
  await Promise.all(peers.map(async (peer) => { await peer.stop() }))
}

// 4. A late joiner's 100,000-entry sync.
{
  const [old, late] = await Promise.all([startBenchPeer(), startBenchPeer()])
  old.store.begin()
  for (let i = 0; i < 100_000; i++) old.store.set(random(KEY_BYTES), random(VALUE_BYTES))
  old.store.commit()
  // The writer signs its commit off the write path: done before the joiner dials, as an unsigned
  // build publishes its ops at commit, so that the figure is the joiner's pull alone.
  await old.store.signed()
  const proxy = await countingProxy(old)
  let sync: { bytes: number, frames: number, ms: number } | undefined
  late.addEventListener('sync', (event) => {
    if (event.detail.result.entries > 0) sync = { bytes: event.detail.result.bytesReceived, frames: event.detail.result.frames, ms: event.detail.durationMs }
  })
  const started = performance.now()
  await late.libp2p.dial(multiaddr(proxy.address))
  await waitFor(() => late.store.size === 100_000, 'the late joiner to have every entry')
  const elapsed = performance.now() - started
  await sleep(300)
  report(`late joiner, 100,000 entries (14.4 MB of keys and values): ${elapsed.toFixed(0)} ms from dial to the last entry (the pull itself ${sync?.ms.toFixed(0)} ms), ${sync?.bytes} diff bytes in ${sync?.frames} frames, ${proxy.fromTarget() + proxy.toTarget()} bytes on TCP both ways (connection setup included)`)
  proxy.close()
  await Promise.all([old.stop(), late.stop()])
}
