// Full sync of N entries (16-byte keys, 128-byte values) to an empty replica, signed and with
// writer keys off, in this build beside another one (a path to its src/index.ts), for a
// before/after on a shared machine: each (build, keys) pair runs in a fresh process, the pairs
// take turns round after round, and each process reports its first run (cold) and the median of its warm runs, wall time
// beside CPU time (every thread's: the verifier threads' included). A run is what the bench's
// adapter times: build the diff, encode, decode, verify ahead (this build; `--ahead-other` for the
// other too, which the bench's adapter did not do before verifyDiff used worker threads), integrate.
// The source is made afresh for each run, so no signature is verified twice.
//
//   node --experimental-transform-types --expose-gc bench/full-sync-compare.ts [other/src/index.ts] [--entries 100000] [--rounds 3] [--runs 5]
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    entries: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    runs: { type: 'string', default: '5' },
    'ahead-other': { type: 'boolean', default: false },
    child: { type: 'string' }
  }
})

const here = fileURLToPath(new URL('../src/index.ts', import.meta.url))
const entries = Number(args.entries)
const runs = Number(args.runs)

interface Figures { wall: number[], cpu: number[], coldWall: number[], coldCpu: number[] }

async function child (spec: string): Promise<void> {
  const [root, keys, ahead] = spec.split('|')
  const api = await import(root)
  const options = { writerKeys: keys === 'signed' }
  const pairs = Array.from({ length: entries }, () => [randomBytes(16), randomBytes(128)] as const)
  const out: Figures = { wall: [], cpu: [], coldWall: [], coldCpu: [] }
  for (let run = 0; run <= runs; run++) {
    const source = new api.MemStore(undefined, options)
    source.begin()
    for (const [key, value] of pairs) source.set(key, value)
    source.commit()
    // Signed before the clock starts, as a peer's state was when it was written.
    source.buildDiff({ stateHash: source.stateHash() })
    ;(globalThis as { gc?: () => void }).gc?.()
    const target = new api.MemStore(undefined, options)
    const cpu = process.cpuUsage()
    const start = performance.now()
    const request = api.decodeDiffRequest(api.encodeDiffRequest(target.requestDiff({ hash: false })))
    const diff = api.decodeDiff(api.encodeDiff(source.buildDiff(request)))
    if (ahead === 'ahead') await target.verifyDiff(diff)
    target.integrateDiff(diff)
    const wall = performance.now() - start
    const { user, system } = process.cpuUsage(cpu)
    if (target.size !== entries) throw new Error(`MISMATCH: ${target.size} of ${entries}`)
    // The first run is the cold one (the JIT has seen none of this code); the rest are warm.
    ;(run === 0 ? out.coldWall : out.wall).push(wall)
    ;(run === 0 ? out.coldCpu : out.cpu).push((user + system) / 1000)
  }
  process.stdout.write(JSON.stringify(out))
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const ms = (x: number): string => `${Math.round(x)} ms`

if (args.child != null) {
  await child(args.child)
} else {
  const builds = [{ name: 'this build', root: here, ahead: true }]
  if (positionals[0] != null) builds.push({ name: positionals[0], root: positionals[0], ahead: args['ahead-other'] })
  const pairs = builds.flatMap((build) => ['signed', 'unsigned'].map((keys) => ({ ...build, keys })))
  const results = new Map<string, Figures>()
  for (let round = 0; round < Number(args.rounds); round++) {
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[(i + round) % pairs.length]
      const spec = `${pair.root}|${pair.keys}|${pair.ahead ? 'ahead' : 'after'}`
      const done = spawnSync(process.execPath, ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', '--expose-gc', fileURLToPath(import.meta.url), '--entries', String(entries), '--runs', String(runs), '--child', spec], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      if (done.status !== 0) throw new Error(`${spec} failed`)
      const figures = JSON.parse(done.stdout) as Figures
      const key = `${pair.name}, ${pair.keys}${pair.ahead ? ', verified ahead' : ''}`
      const kept = results.get(key) ?? { wall: [], cpu: [], coldWall: [], coldCpu: [] }
      kept.wall.push(median(figures.wall))
      kept.cpu.push(median(figures.cpu))
      kept.coldWall.push(figures.coldWall[0])
      kept.coldCpu.push(figures.coldCpu[0])
      results.set(key, kept)
    }
  }
  const load = (await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' / ')
  console.log(`full sync of ${entries.toLocaleString('en')} entries; cold: the first run of each process; warm: per process the median of ${runs} runs after it; ${args.rounds} processes each; load average now ${load}\n`)
  const cell = (xs: number[]): string => `${ms(median(xs))} (${ms(Math.min(...xs))}–${ms(Math.max(...xs))})`
  console.log('| build, keys | wall, cold: median of processes (range) | wall, warm | CPU, every thread, cold | CPU, warm |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const [key, f] of results) console.log(`| ${key} | ${cell(f.coldWall)} | ${cell(f.wall)} | ${cell(f.coldCpu)} | ${cell(f.cpu)} |`)
}
