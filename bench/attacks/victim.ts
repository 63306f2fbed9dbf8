/**
 * Measures what one attacker, in a process of its own, costs a victim peer and an honest
 * friend (both in this process) over 127.0.0.1: the victim's event-loop lag, RSS and heap
 * growth after GC, CPU time, and how long honest writes made every 2 s take to cross both ways.
 *
 *   node --expose-gc --experimental-transform-types bench/attacks/victim.ts <gossip-big|gossip-garbage|gossip-flood|diff> [srcRoot]
 *
 * `srcRoot` is a checkout whose src/ to run (`git archive <commit> src | tar -x -C dir`, with
 * node_modules linked in), to compare with an older version; this repository by default.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { monitorEventLoopDelay } from 'node:perf_hooks'
const [kind, root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '')] = process.argv.slice(2)
const { MemStore, createMeshPeer, nodePreset } = await import(`${root}/src/index.ts`)
const te = new TextEncoder()
const gc = (globalThis as any).gc as () => void

async function peer (store = new MemStore()): Promise<any> {
  const p = await createMeshPeer({ store, mesh: 'test', libp2p: nodePreset({ listen: ['/ip4/127.0.0.1/tcp/0'] }) })
  await p.start()
  return p
}
const victim = await peer()
const friend = await peer()
if (kind === 'diff') {
  victim.store.begin()
  for (let i = 0; i < 20_000; i++) victim.store.set(new Uint8Array(randomBytes(16)), new Uint8Array(randomBytes(128)))
  victim.store.commit()
}
await victim.dial(friend.libp2p.getMultiaddrs()[0])
const hash = (s: any): string => Buffer.from(s.stateHash()).toString('hex')
while (hash(victim.store) !== hash(friend.store)) await new Promise((r) => setTimeout(r, 50))

gc(); gc()
const rss0 = process.memoryUsage().rss
const heap0 = process.memoryUsage().heapUsed
const cpu0 = process.cpuUsage()
const h = monitorEventLoopDelay({ resolution: 10 })
h.enable()
const child = spawn(process.execPath, ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', new URL('./attacker.ts', import.meta.url).pathname, root, kind, victim.libp2p.getMultiaddrs()[0].toString(), victim.topic], { stdio: ['ignore', 'pipe', 'inherit'] })
let out = ''
child.stdout.on('data', (c) => { out += String(c) })

// Honest writes every 2 s during the attack: how long each takes to cross both ways.
const crossings: number[] = []
let n = 0
const writer = setInterval(async () => {
  const i = n++
  const t = performance.now()
  victim.store.set(te.encode(`v${i}`), te.encode('1'))
  friend.store.set(te.encode(`f${i}`), te.encode('2'))
  while (!(friend.store.has(te.encode(`v${i}`)) && victim.store.has(te.encode(`f${i}`)))) {
    if (performance.now() - t > 20_000) { crossings.push(Infinity); return }
    await new Promise((r) => setTimeout(r, 10))
  }
  crossings.push(performance.now() - t)
}, 2000)
await new Promise((r) => child.on('close', r))
clearInterval(writer)
await new Promise((r) => setTimeout(r, 1000))
h.disable()
const cpu = process.cpuUsage(cpu0)
gc(); gc()
const rss1 = process.memoryUsage().rss
const s = victim.stats()
console.log(JSON.stringify({
  kind,
  root,
  attacker: JSON.parse(out.trim().split('\n').pop() ?? '{}'),
  maxLagMs: Math.round(h.max / 1e6),
  p99LagMs: Math.round(h.percentile(99) / 1e6),
  rssGrowthMiB: Math.round((rss1 - rss0) / 2 ** 20),
  heapGrowthMiB: Math.round((process.memoryUsage().heapUsed - heap0) / 2 ** 20),
  connections: victim.libp2p.getConnections().length,
  cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
  honestCrossingsMs: crossings.map((c) => Math.round(c)),
  allWithin5s: crossings.every((c) => c <= 5000),
  victim: { size: victim.store.size, messagesReceived: s.messagesReceived, invalidMessages: s.invalidMessages, diffServed: s.diffServed, diffRefused: s.diffRefused, diffServeFailures: s.diffServeFailures, refusedByPeer: s.refusedByPeer }
}))
await Promise.all([victim.stop(), friend.stop()])
process.exit(0)
