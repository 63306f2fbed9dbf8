// Numbers for private meshes (issue 15): an open mesh against one with a mesh key, side by side,
// over real libp2p nodes on TCP loopback in this process. Op latency at a low rate, sustained
// synced ops/s, bytes per op, and the time from dial to first sync (proof included).
// Run: node --experimental-transform-types --disable-warning=ExperimentalWarning bench/private-numbers.ts [rounds]
import { randomBytes } from 'node:crypto'
import { generateMeshKey } from '../src/index.ts'
import { sleep, startBenchPeer, waitFor } from './bench-peers.ts'
import { arrivalLatency } from './arrival-latency.ts'

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n))
const ROUNDS = Number(process.argv[2] ?? 3)



const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
const median = (values: number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]

interface Sample { firstSyncMs: number, p50: number, p99: number, opsPerSec: number, bytesPerOp: number, bytesPerOpBurst: number }

async function measure (meshKey: string | undefined): Promise<Sample> {
  const [a, b] = await Promise.all([startBenchPeer(meshKey), startBenchPeer(meshKey)])
  a.store.set(random(16), random(128))
  const dialled = performance.now()
  await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
  await waitFor(() => b.store.size === 1, 'the first sync')
  const firstSyncMs = performance.now() - dialled
  await waitFor(() => a.libp2p.services.pubsub.getSubscribers(a.topic).length > 0 && b.libp2p.services.pubsub.getSubscribers(b.topic).length > 0, 'the subscriptions')
  await sleep(500)

  const { sent, latencies } = arrivalLatency(b.store)
  const count = 300
  const topicBefore = a.stats().topicBytesSent
  for (let i = 0; i < count; i++) {
    const key = random(16)
    sent(key)
    a.store.set(key, random(128))
    await sleep(10)
  }
  await waitFor(() => latencies.length >= count, 'every op to arrive')
  const bytesPerOp = (a.stats().topicBytesSent - topicBefore) / count
  latencies.sort((x, y) => x - y)

  const total = 20_000
  const startSize = b.store.size
  const burstBefore = a.stats().topicBytesSent
  const started = performance.now()
  for (let i = 0; i < total; i++) {
    a.store.set(random(16), random(128))
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve))
  }
  await waitFor(() => b.store.size === startSize + total, 'every op to reach b')
  const elapsed = performance.now() - started
  const bytesPerOpBurst = (a.stats().topicBytesSent - burstBefore) / total
  await Promise.all([a.stop(), b.stop()])
  return { firstSyncMs, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), opsPerSec: total / elapsed * 1000, bytesPerOp, bytesPerOpBurst }
}

const samples: Record<'open' | 'private', Sample[]> = { open: [], private: [] }
// Interleaved, and in turns first, so that a busy machine slows both alike.
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? ['open', 'private'] as const : ['private', 'open'] as const
  for (const kind of order) samples[kind].push(await measure(kind === 'open' ? undefined : generateMeshKey()))
}
for (const kind of ['open', 'private'] as const) {
  const m = (f: (s: Sample) => number): number => median(samples[kind].map(f))
  process.stdout.write(`${kind.padEnd(7)} (median of ${ROUNDS}): first sync ${m((s) => s.firstSyncMs).toFixed(0)} ms after dial; op latency p50 ${m((s) => s.p50).toFixed(2)} ms, p99 ${m((s) => s.p99).toFixed(2)} ms; ${m((s) => s.opsPerSec).toFixed(0)} synced ops/s; topic payload ${m((s) => s.bytesPerOp).toFixed(0)} B per op alone, ${m((s) => s.bytesPerOpBurst).toFixed(1)} B per op in a burst\n`)
}
