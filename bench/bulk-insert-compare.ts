// Bulk insert side by side, fairly: N sets in one transaction into roaring-mesh (keys and values
// as bytes), Yjs (a Y.Map, hex string keys) and a plain Map (one-char-per-byte string keys), each
// given its keys in its own natural form, prepared before the clock starts, and the same values.
// Warm figures: one process, systems interleaved, after warm-up runs, median of the repetitions
// with the spread. Cold figures: the first run of each system in a fresh process. CPU time (all
// threads) beside the wall-clock time, as a check on a shared machine. Heap per entry: memory held
// after GC (measure.ts: the heap, and the buffers outside it), counted from before the inputs were
// made to after they were dropped. roaring-mesh's writes are visible when its commit returns, and
// its ops are signed with the writer key a microtask later, off the write path: the last column
// times a run until they are (each run waits for it before the next starts).
//
//   node --experimental-transform-types --expose-gc bench/bulk-insert-compare.ts [--sizes 100000,1000000] [--reps 5] [--warmup 2]
//   (add --cpu-prof or --trace-gc to profile; --only roaring-mesh --cold-only to profile one cold run)
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as Y from 'yjs'
import { MemStore } from '../src/index.ts'
import { collectBeforeClock, memoryGrowth, memoryNow } from './measure.ts'
import { createRng, randomEntries } from './workload.ts'

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    reps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    only: { type: 'string' },
    'cold-only': { type: 'boolean', default: false },
    child: { type: 'string' }
  }
})

interface Inputs { keys: Uint8Array[], hexKeys: string[], charKeys: string[], values: Uint8Array[] }

/**
 * One bulk insert: returns the milliseconds and the replica (kept alive for the heap figure), and
 * for a system that finishes the work off the write path (roaring-mesh signs a commit's ops a
 * microtask later), the milliseconds from the same start until that is done.
 */
type Run = (inputs: Inputs) => { ms: number, replica: unknown, untilDone?: () => Promise<number> }

const systems: Record<string, Run> = {
  'roaring-mesh': ({ keys, values }) => {
    const store = new MemStore()
    const start = performance.now()
    store.begin()
    for (let i = 0; i < keys.length; i++) store.set(keys[i], values[i])
    store.commit()
    const ms = performance.now() - start
    return { ms, replica: store, untilDone: async () => { await store.signed(); return performance.now() - start } }
  },
  yjs: ({ hexKeys, values }) => {
    const doc = new Y.Doc()
    const map = doc.getMap<Uint8Array>('kv')
    const start = performance.now()
    doc.transact(() => {
      for (let i = 0; i < hexKeys.length; i++) map.set(hexKeys[i], values[i])
    })
    return { ms: performance.now() - start, replica: doc }
  },
  map: ({ charKeys, values }) => {
    const map = new Map<string, Uint8Array>()
    const start = performance.now()
    for (let i = 0; i < charKeys.length; i++) map.set(charKeys[i], values[i])
    return { ms: performance.now() - start, replica: map }
  }
}

const gc = (): void => { (globalThis as { gc?: () => void }).gc?.() }

/** The inputs, with keys in the string forms `names` need: a cold run makes only its own system's. */
function inputs (n: number, names: string[]): Inputs {
  const { keys, values } = randomEntries(createRng(1), n)
  const hexKeys = names.includes('yjs') ? keys.map((key) => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')) : []
  const charKeys = names.includes('map') ? keys.map((key) => String.fromCharCode(...key)) : []
  // Flattened, so that no string is a rope or a slice the first system to touch it pays for.
  for (const list of [hexKeys, charKeys]) for (const key of list) Number(key)
  return { keys, hexKeys, charKeys, values }
}

interface Cold { ms: number, cpuMs: number, doneMs: number | undefined, heapPerEntry: number }

/**
 * One cold run with its heap figure: what the replica holds per entry, raw 144 bytes included,
 * counted from before the inputs were made to after they are dropped (a Map or Yjs keeps the
 * caller's values; we copy them).
 */
async function measure (name: string, n: number): Promise<Cold> {
  const before = memoryNow()
  const data = inputs(n, [name])
  collectBeforeClock()
  const cpu = process.cpuUsage()
  const { ms, replica, untilDone } = systems[name](data)
  const cpuMs = cpuMsSince(cpu)
  const doneMs = untilDone == null ? undefined : await untilDone()
  for (const list of Object.values(data)) list.length = 0
  const heapPerEntry = memoryGrowth(before) / n
  if (replica == null) throw new Error('unreachable')
  return { ms, cpuMs, doneMs, heapPerEntry }
}

/**
 * CPU time of this process (all its threads, the collector's included) since `start`: on a
 * machine shared with other work, it moves less than the wall-clock time does.
 */
const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const { user, system } = process.cpuUsage(start)
  return (user + system) / 1000
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (ms: number): string => ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`

if (args.child != null) {
  // Cold: the first run of one system in this fresh process.
  const [name, n] = args.child.split(':')
  process.stdout.write(JSON.stringify(await measure(name, Number(n))))
} else {
  const names = (args.only?.split(',') ?? Object.keys(systems))
  for (const n of args.sizes.split(',').map(Number)) {
    const cold: Record<string, Cold> = {}
    for (const name of names) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', `${name}:${n}`], { encoding: 'utf8' })
      if (child.status !== 0) throw new Error(child.stderr)
      cold[name] = JSON.parse(child.stdout)
    }
    const warm: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]))
    const warmCpu: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]))
    const warmDone: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]))
    if (!args['cold-only']) {
      const data = inputs(n, names)
      const reps = Number(args.reps)
      const warmup = Number(args.warmup)
      for (let round = 0; round < warmup + reps; round++) {
        // Interleaved, each round starting one system further on.
        for (let s = 0; s < names.length; s++) {
          const name = names[(s + round) % names.length]
          const cpu = process.cpuUsage()
          const { ms, untilDone } = systems[name](data)
          const cpuMs = cpuMsSince(cpu)
          // Done before the next run starts, so that no run pays for the one before.
          const doneMs = untilDone == null ? undefined : await untilDone()
          if (round >= warmup) {
            warm[name].push(ms)
            warmCpu[name].push(cpuMs)
            if (doneMs != null) warmDone[name].push(doneMs)
          }
          gc()
        }
      }
    }
    console.log(`\nbulk insert, one transaction, ${n.toLocaleString('en')} sets (16-byte keys, 128-byte values)`)
    console.log('| system | warm median | warm spread | vs roaring-mesh | cold | vs roaring-mesh | warm CPU | cold CPU | heap B/entry | until ops signed, warm / cold |')
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    const ours = { warm: median(warm['roaring-mesh'] ?? [NaN]), cold: cold['roaring-mesh']?.ms ?? NaN }
    for (const name of names) {
      const w = warm[name]
      const m = w.length > 0 ? median(w) : NaN
      const spread = w.length > 0 ? `${fmt(Math.min(...w))}–${fmt(Math.max(...w))}` : ''
      const cpu = warmCpu[name].length > 0 ? fmt(median(warmCpu[name])) : ''
      const done = cold[name].doneMs == null ? '–' : `${warmDone[name].length > 0 ? fmt(median(warmDone[name])) : ''} / ${fmt(cold[name].doneMs)}`
      console.log(`| ${name} | ${fmt(m)} | ${spread} | ${(m / ours.warm).toFixed(2)}× | ${fmt(cold[name].ms)} | ${(cold[name].ms / ours.cold).toFixed(2)}× | ${cpu} | ${fmt(cold[name].cpuMs)} | ${cold[name].heapPerEntry.toFixed(0)} | ${done} |`)
    }
  }
}
