// Mesh ops/s between two peers (issue 17's target: ≥ 40,000 with writers bound), signed and
// unsigned interleaved in one run, so that the machine's load weighs on both alike: 50,000 sets,
// each its own transaction, written on a while b integrates them, both peers in this process.
// Reports wall time, this process's CPU time per op (process.cpuUsage: both peers' work),
// messages and signed batches.
// Run: node --experimental-transform-types --disable-warning=ExperimentalWarning bench/mesh-ops-numbers.ts [runs] [ops]
import { randomBytes } from 'node:crypto'
import { MemStore, createMeshPeer, nodePreset, type MeshPeer } from '../src/index.ts'
import { sleep, waitFor } from './bench-peers.ts'
import type { Op } from '../src/store/types.ts'

const runs = Number(process.argv[2] ?? 3)
const total = Number(process.argv[3] ?? 50_000)
/** 'signed' or 'unsigned' runs only that kind (for a profile); both by default. */
const only = process.argv[4]
const KEY_BYTES = 16
const VALUE_BYTES = 128

async function peer (writerKeys: boolean): Promise<MeshPeer> {
  const p = await createMeshPeer({ store: new MemStore(undefined, { writerKeys }), mesh: 'bench-ops', libp2p: nodePreset({ listen: ['/ip4/127.0.0.1/tcp/0'] }) })
  await p.start()
  return p
}

async function pair (writerKeys: boolean): Promise<[MeshPeer, MeshPeer]> {
  const [a, b] = await Promise.all([peer(writerKeys), peer(writerKeys)])
  await a.libp2p.dial(b.libp2p.getMultiaddrs()[0])
  await waitFor(() => a.libp2p.services.pubsub.getSubscribers(a.topic).length > 0 && b.libp2p.services.pubsub.getSubscribers(b.topic).length > 0, 'the peers to subscribe')
  await sleep(500)
  return [a, b]
}

interface Result { opsPerS: number, cpuUsPerOp: number, opsPerMessage: number, opsPerBatch: number }

async function burst (writerKeys: boolean): Promise<Result> {
  const [a, b] = await pair(writerKeys)
  const keys = Array.from({ length: total }, () => new Uint8Array(randomBytes(KEY_BYTES)))
  const values = Array.from({ length: total }, () => new Uint8Array(randomBytes(VALUE_BYTES)))
  const batches = new Set<unknown>()
  a.store.addEventListener('ops', (event) => { for (const op of (event as unknown as { ops: Op[] }).ops) batches.add(op.batch) })
  const messagesBefore = a.stats().messagesSent
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (let i = 0; i < total; i++) {
    a.store.set(keys[i], values[i])
    // Let the publisher's timers and the network run, as an app's event loop would.
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve))
  }
  await waitFor(() => b.store.size === total, 'every op to reach b')
  const elapsed = performance.now() - started
  const used = process.cpuUsage(cpu)
  const messages = a.stats().messagesSent - messagesBefore
  await Promise.all([a.stop(), b.stop()])
  return {
    opsPerS: total / elapsed * 1000,
    cpuUsPerOp: (used.user + used.system) / total,
    opsPerMessage: total / messages,
    opsPerBatch: writerKeys ? total / batches.size : 0
  }
}

const line = (kind: string, r: Result): string =>
  `${kind.padEnd(8)} ${r.opsPerS.toFixed(0).padStart(7)} ops/s  ${r.cpuUsPerOp.toFixed(1).padStart(6)} µs CPU/op  ${r.opsPerMessage.toFixed(1).padStart(6)} ops/message${r.opsPerBatch > 0 ? `  ${r.opsPerBatch.toFixed(1)} ops/batch` : ''}`

const { loadavg } = await import('node:os')
process.stdout.write(`${total} sets, each its own transaction, 16 B keys, 128 B values; load ${loadavg()[0].toFixed(1)}\n`)
await burst(only !== 'unsigned') // warm-up: JIT, libp2p
for (let i = 0; i < runs; i++) {
  const order = i % 2 === 0 ? [true, false] : [false, true]
  for (const signed of order.filter((s) => only == null || only === (s ? 'signed' : 'unsigned'))) process.stdout.write(`${line(signed ? 'signed' : 'unsigned', await burst(signed))}\n`)
}
process.stdout.write(`load ${loadavg()[0].toFixed(1)}\n`)
