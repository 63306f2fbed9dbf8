// Local write speed with writers bound to keys against a build without them (issue 17's "local
// write speed unchanged"), interleaved in one process, CPU time beside wall time (the machine is
// shared): MemStore and LevelStore, one set per commit and one transaction of many sets. Signing
// happens off the commit; here nobody listens for ops, so nothing is signed while timing.
//   node --experimental-transform-types --expose-gc bench/writer-keys-write-speed.ts <unsigned build's src/index.ts> [--sets 100000] [--reps 5]
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as signed from '../src/index.ts'
import { createRng, randomEntries } from './workload.ts'

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { sets: { type: 'string', default: '100000' }, reps: { type: 'string', default: '5' } } })
const SETS = Number(args.sets)
type Lib = typeof signed
const libs: Array<[string, Lib]> = [['signed', signed]]
if (positionals[0] != null) libs.push(['unsigned', await import(positionals[0]) as Lib])
const { keys, values } = randomEntries(createRng(1), SETS)

interface Sample { ms: number, cpuMs: number }
async function timed (fn: () => unknown): Promise<Sample> {
  (globalThis as { gc?: () => void }).gc?.()
  const cpu = process.cpuUsage()
  const start = performance.now()
  await fn()
  const ms = performance.now() - start
  const { user, system } = process.cpuUsage(cpu)
  return { ms, cpuMs: (user + system) / 1000 }
}

const cases: Record<string, (lib: Lib) => Promise<Sample>> = {
  'MemStore, one set per commit': async (lib) => {
    const store = new lib.MemStore()
    return await timed(() => { for (let i = 0; i < SETS; i++) store.set(keys[i], values[i]) })
  },
  'MemStore, one transaction': async (lib) => {
    const store = new lib.MemStore()
    return await timed(() => { store.begin(); for (let i = 0; i < SETS; i++) store.set(keys[i], values[i]); store.commit() })
  },
  'LevelStore, one set per commit (to disk)': async (lib) => {
    const dir = await mkdtemp(join(tmpdir(), 'rm-speed-'))
    const store = await lib.LevelStore.open(join(dir, 'db'))
    const n = Math.min(SETS, 20_000)
    const sample = await timed(async () => { for (let i = 0; i < n; i++) store.set(keys[i], values[i]); await store.flush() })
    await store.close()
    await rm(dir, { recursive: true, force: true })
    return { ms: sample.ms * SETS / n, cpuMs: sample.cpuMs * SETS / n }
  },
  'LevelStore, one transaction (to disk)': async (lib) => {
    const dir = await mkdtemp(join(tmpdir(), 'rm-speed-'))
    const store = await lib.LevelStore.open(join(dir, 'db'))
    const sample = await timed(async () => { store.begin(); for (let i = 0; i < SETS; i++) store.set(keys[i], values[i]); await store.commit() })
    await store.close()
    await rm(dir, { recursive: true, force: true })
    return sample
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const rate = (ms: number): string => `${Math.round(SETS / (ms / 1000)).toLocaleString('en')}/s`
console.log(`${SETS.toLocaleString('en')} sets of 16-byte keys and 100-byte values, median of ${args.reps}, interleaved; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`)
for (const [name, run] of Object.entries(cases)) {
  const samples = new Map(libs.map(([label]) => [label, [] as Sample[]]))
  await run(libs[0][1])
  for (let rep = 0; rep < Number(args.reps); rep++) for (const [label, lib] of libs) samples.get(label)!.push(await run(lib))
  const line = libs.map(([label]) => {
    const s = samples.get(label)!
    return `${label} ${rate(median(s.map((x) => x.ms)))} wall, ${rate(median(s.map((x) => x.cpuMs)))} cpu`
  })
  console.log(`  ${name.padEnd(42)} ${line.join(' | ')}`)
}
