// Where an op's CPU goes on the mesh path, without the network: 50,000 sets, each its own
// transaction, on store a (its 'ops' event: sealed and signed off the commit), encoded into
// messages of whole batches, decoded, verified ahead (what the topic's validator does) and
// integrated on store b; signed and `writerKeys: false` interleaved in one run. CPU time per op
// from process.cpuUsage (every thread of the process: a worker that verifies counts).
// Run: node --experimental-transform-types --disable-warning=ExperimentalWarning bench/op-path-numbers.ts [runs] [ops]
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { MemStore, decodeOps, encodeOps, type Op } from '../src/index.ts'

const runs = Number(process.argv[2] ?? 3)
const total = Number(process.argv[3] ?? 50_000)
const keys = Array.from({ length: total }, () => new Uint8Array(randomBytes(16)))
const values = Array.from({ length: total }, () => new Uint8Array(randomBytes(128)))
const cpu = (): number => { const used = process.cpuUsage(); return used.user + used.system }

async function path (writerKeys: boolean): Promise<string> {
  const a = new MemStore(undefined, { writerKeys })
  const b = new MemStore(undefined, { writerKeys })
  const events: Array<readonly Op[]> = []
  a.addEventListener('ops', (event) => { events.push(event.ops) })
  const stages: Array<[string, number]> = []
  const stage = async (name: string, run: () => Promise<void> | void): Promise<void> => {
    const before = cpu()
    await run()
    stages.push([name, (cpu() - before) / total])
  }
  await stage('write and sign', async () => {
    for (let i = 0; i < total; i++) {
      a.set(keys[i], values[i])
      // An app's event loop turns: the signer works in slices between tasks.
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve))
    }
    await a.signed()
  })
  const messages: Uint8Array[] = []
  await stage('encode', () => {
    let message: Op[] = []
    for (const ops of events) {
      message.push(...ops)
      if (message.length >= 250) {
        messages.push(encodeOps(message))
        message = []
      }
    }
    if (message.length > 0) messages.push(encodeOps(message))
  })
  let decoded: Op[][] = []
  await stage('decode', () => { decoded = messages.map((message) => decodeOps(message)) })
  await stage('verify ahead', async () => { for (const ops of decoded) await b.verifyOps(ops) })
  await stage('integrate', () => { for (const ops of decoded) b.integrateOps(ops) })
  if (b.size !== total) throw new Error(`b holds ${b.size} of ${total}`)
  const sum = stages.reduce((s, [, us]) => s + us, 0)
  return `${(writerKeys ? 'signed' : 'unsigned').padEnd(8)} ${stages.map(([name, us]) => `${name} ${us.toFixed(2)}`).join(', ')}; all ${sum.toFixed(2)} µs CPU/op`
}

process.stdout.write(`${total} sets, each its own transaction, 16 B keys, 128 B values; load ${loadavg()[0].toFixed(1)}\n`)
await path(true) // warm-up
for (let i = 0; i < runs; i++) {
  for (const signed of i % 2 === 0 ? [true, false] : [false, true]) process.stdout.write(`${await path(signed)}\n`)
}
process.stdout.write(`load ${loadavg()[0].toFixed(1)}\n`)
