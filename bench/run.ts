// Benchmark driver: every (workload, size, system, repetition) runs in its own
// `node --expose-gc bench/worker.ts` process under the same wall-clock cap,
// then medians go into markdown tables (stdout, or a file with --write).
//
//   node bench/run.ts [--quick] [--reps K] [--cap S] [--only a,b] [--workload w,...] [--sizes n,...] [--write bench/RESULTS.md]
//
// `--workload mesh` is apart: N libp2p peers over two processes (bench/mesh/), one table row
// per size and repetition (sizes 10, 25, 50 by default).
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { Figures } from './measure.ts'
import { REFERENCE, medianFigures, renderTable, type RowResult } from './report.ts'
import type { SystemModule } from './systems/types.ts'
import { workloadNamed, workloads, type Workload } from './workloads/registry.ts'

const ALL_SYSTEMS = [REFERENCE, 'roaring-mesh-wasm', 'yjs', 'loro', 'tinybase', 'automerge', 'map', 'map-copy']
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    cap: { type: 'string', default: '60' },
    only: { type: 'string' },
    workload: { type: 'string' },
    sizes: { type: 'string' },
    'burst-only': { type: 'boolean' },
    write: { type: 'string' },
  },
})
if (args.workload === 'mesh') {
  const { measureMesh, renderMeshTable, renderBreakdownTable } = await import('./mesh/mesh-numbers.ts')
  const rows = []
  for (const size of args.sizes?.split(',').map(Number) ?? (args.quick ? [10] : [10, 25, 50])) {
    for (let rep = 0; rep < Number(args.reps ?? 1); rep++) {
      rows.push(await measureMesh(size, (line) => { console.error(`mesh ${size}: ${line}`) }, { burstOnly: args['burst-only'] }))
      // Each row as soon as it is measured: a 50-peer run takes minutes.
      console.error(renderMeshTable(rows.slice(-1)).split('\n').at(-1))
      console.error(renderBreakdownTable(rows.slice(-1)).split('\n').at(-1))
    }
  }
  const markdown = `## A mesh of N peers (bench/mesh/)\n\n${renderMeshTable(rows)}\n\nWhere a peer's bytes went in the burst (median ÷ the payload it needed):\n\n${renderBreakdownTable(rows)}\n`
  if (args.write) writeFileSync(args.write, markdown)
  process.stdout.write(markdown)
  process.exit(0)
}

const reps = args.quick ? 1 : Number(args.reps ?? 3)
const capSeconds = Number(args.cap)
const selectedWorkloads = args.workload ? args.workload.split(',').map(workloadNamed) : workloads
const sizeOverride = args.sizes?.split(',').map(Number)

/** Systems whose adapter imports; the others are reported with the reason. */
const loaded = new Map<string, SystemModule>()
const skipped: string[] = []
for (const name of args.only ? args.only.split(',') : ALL_SYSTEMS) {
  try {
    loaded.set(name, (await import(`./systems/${name}.ts`)) as SystemModule)
  } catch (error) {
    const why = `${name}: adapter failed to import (${(error as Error).message.split('\n')[0]})`
    console.error(`skipping ${why}`)
    skipped.push(why)
  }
}

type RunOutcome = { figures: Figures } | { note: string }

/** One fresh worker process, killed at the cap. */
function runWorker(system: string, workload: string, size: number): Promise<RunOutcome> {
  return new Promise((resolve) => {
    // The worker runs .ts that needs the same flags as this process (transform-types for protons' namespaces).
    const flags = process.execArgv.filter((flag) => flag.startsWith('--experimental') || flag.startsWith('--disable-warning'))
    const child = spawn(process.execPath, [...flags, '--expose-gc', '--max-old-space-size=16384', WORKER, system, workload, String(size)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk })
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, capSeconds * 1000)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (timedOut) return resolve({ note: `did not finish in ${capSeconds} s` })
      if (code !== 0) {
        const lastError = stderr.trim().split('\n').find((line) => /Error/.test(line)) ?? `exit code ${code}`
        return resolve({ note: `error: ${lastError.trim()}` })
      }
      resolve({ figures: JSON.parse(stdout.trim().split('\n').pop()!) as Figures })
    })
  })
}

/**
 * Every system's median figures for one workload and size. The repetitions are interleaved (each
 * round runs every system once, starting one system further on than the last), so that the
 * machine's speed drifting over minutes touches all systems alike rather than whichever ran
 * during a slow spell, and no system always runs first. A timeout or crash ends that system's
 * repetitions (the next ones would fail alike).
 */
async function measureAll(systems: string[], workload: Workload, size: number): Promise<Array<{ system: string, result: RowResult }>> {
  const runs = new Map<string, Figures[]>(systems.map((system) => [system, []]))
  const notes = new Map<string, string>()
  for (const system of systems) {
    if (workload.needsSync && !loaded.get(system)!.system.sync) notes.set(system, 'n/a (no sync protocol)')
  }
  for (let rep = 1; rep <= reps; rep++) {
    const first = (rep - 1) % systems.length
    for (const system of [...systems.slice(first), ...systems.slice(0, first)]) {
      if (notes.has(system)) continue
      const outcome = await runWorker(system, workload.name, size)
      console.error(`${workload.name} ${size} ${system} rep ${rep}/${reps}: ${'note' in outcome ? outcome.note : 'ok'}`)
      if ('note' in outcome) notes.set(system, outcome.note)
      else runs.get(system)!.push(outcome.figures)
    }
  }
  return systems.map((system) => {
    const note = notes.get(system)
    return { system, result: note != null ? { note } : { figures: medianFigures(runs.get(system)!) } }
  })
}

function machineInfo(): string {
  const cpus = os.cpus()
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} ${os.arch()}`,
    `- Node: ${process.version}`,
    // Wall-clock figures are only comparable between runs on an otherwise idle machine.
    `- Load average at start (1/5/15 min): ${os.loadavg().map((load) => load.toFixed(2)).join(' / ')}`,
  ].join('\n')
}

const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim()
const sections: string[] = [
  '# roaring-mesh benchmark',
  `Command: \`${command}\` (${new Date().toISOString().slice(0, 10)})`,
  machineInfo(),
  `| system | version |\n| --- | --- |\n${[...loaded.values()].map((m) => `| ${m.name} | ${m.version} |`).join('\n')}`,
  [
    `Medians of ${reps} run(s), each in a fresh \`node --expose-gc\` process, capped at ${capSeconds} s wall clock; the repetitions of the systems are interleaved.`,
    `"vs ${REFERENCE}" columns: >1 means ${REFERENCE} is better (faster, or fewer bytes).`,
    'Heap = heapUsed + external after GC (external holds WebAssembly memory, where Loro and Automerge keep their state).',
    'Keys are 16 random bytes (hex strings where a system needs string keys), values 128 random bytes (base64 in TinyBase).',
  ].join('\n'),
  ...(skipped.length > 0 ? [`Skipped:\n${skipped.map((why) => `- ${why}`).join('\n')}`] : []),
]

for (const workload of selectedWorkloads) {
  for (const size of sizeOverride ?? (args.quick ? workload.quickSizes : workload.sizes)) {
    const rows = await measureAll([...loaded.keys()], workload, size)
    sections.push(`## ${workload.title}: ${size.toLocaleString('en-US')} ${workload.sizeMeaning}\n\n${renderTable(workload.name, rows)}`)
  }
}

const markdown = sections.join('\n\n') + '\n'
if (args.write) writeFileSync(args.write, markdown)
process.stdout.write(markdown)
