// Benchmark driver. For every (workload, size, system), `--reps` fresh `node --expose-gc
// bench/worker.ts` processes each time one cold run (the first in the process); the first of
// them then does `--warmup` runs whose figures are dropped and `--warm` timed runs. Tables show
// the cold median and the warm median with its range (markdown on stdout, or a file with --write).
//
//   node bench/run.ts [--quick] [--reps K] [--warmup W] [--warm N] [--warm-limit S] [--cap S] [--only a,b] [--workload w,...] [--sizes n,...] [--write bench/RESULTS.md]
//
// `--warm-limit S`: a system whose cold run took over S seconds gets no warm runs (the JIT's
// warm-up is lost in such a run, and five more would cost minutes).
// `--cap S` bounds each run: a process that reports no run for S seconds is killed, keeping the
// runs it reported.
//
// `--workload mesh` is apart: N libp2p peers over two processes (bench/mesh/), one table row
// per size and repetition (sizes 10, 25, 50 by default).
import { execFileSync, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { Figures } from './measure.ts'
import { methodSection } from './method.ts'
import { REFERENCE, combineFigures, maxOf, minOf, renderSummary, renderTable, type RowResult } from './report.ts'
import type { SystemModule } from './systems/types.ts'
import { workloadNamed, workloads, type Workload } from './workloads/registry.ts'

const ALL_SYSTEMS = [REFERENCE, 'roaring-mesh-wasm', 'roaring-mesh-unsigned', 'yjs', 'loro', 'tinybase', 'automerge', 'map', 'map-copy']
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    warmup: { type: 'string' },
    warm: { type: 'string' },
    'warm-limit': { type: 'string', default: 'Infinity' },
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

const reps = Number(args.reps ?? (args.quick ? 1 : 3))
const warmups = Number(args.warmup ?? (args.quick ? 1 : 2))
// A smoke run checks that warm runs work; five of them are for figures.
const warmRuns = Number(args.warm ?? (args.quick ? 2 : 5))
const capSeconds = Number(args.cap)
const warmLimit = Number(args['warm-limit'])
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

/** What one process reported: its cold run (if it finished), its warm runs, and why it stopped early. */
interface ProcessOutcome {
  cold?: Figures
  warm: Figures[]
  note?: string
  /** The cold run was over the warm limit. */
  noWarm?: boolean
}

/** One fresh worker process, killed when a run takes longer than the cap. */
function runWorker(system: string, workload: string, size: number, warmupCount: number, warmCount: number): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    // The worker runs .ts that needs the same flags as this process (transform-types for protons' namespaces).
    const flags = process.execArgv.filter((flag) => flag.startsWith('--experimental') || flag.startsWith('--disable-warning'))
    const child = spawn(process.execPath, [...flags, '--expose-gc', '--max-old-space-size=16384', WORKER, system, workload, String(size), String(warmupCount), String(warmCount), String(warmLimit)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const outcome: ProcessOutcome = { warm: [] }
    let pending = ''
    let stderr = ''
    let timedOut = false
    const kill = (): void => { timedOut = true; child.kill('SIGKILL') }
    let timer = setTimeout(kill, capSeconds * 1000)
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk
      let newline: number
      while ((newline = pending.indexOf('\n')) >= 0) {
        const { phase, figures } = JSON.parse(pending.slice(0, newline)) as { phase: string, figures: Figures }
        pending = pending.slice(newline + 1)
        if (phase === 'cold') outcome.cold = figures
        else if (phase === 'warm') outcome.warm.push(figures)
        else if (phase === 'no-warm') outcome.noWarm = true
        clearTimeout(timer)
        timer = setTimeout(kill, capSeconds * 1000)
      }
    })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk })
    child.on('close', (code) => {
      clearTimeout(timer)
      if (timedOut) outcome.note = `a run did not finish in ${capSeconds} s`
      else if (code !== 0) outcome.note = `error: ${(stderr.trim().split('\n').find((line) => /Error/.test(line)) ?? `exit code ${code}`).trim()}`
      resolve(outcome)
    })
  })
}

/**
 * Every system's figures for one workload and size. The processes are interleaved (each round
 * runs every system once, starting one system further on than the last), so that the machine's
 * speed drifting over minutes touches all systems alike and no system always runs first; the
 * first round's processes also do the warm runs. A cold run that fails ends that system's rounds.
 */
async function measureAll(systems: string[], workload: Workload, size: number): Promise<Array<{ system: string, result: RowResult }>> {
  const colds = new Map<string, Figures[]>(systems.map((system) => [system, []]))
  const warms = new Map<string, Figures[]>(systems.map((system) => [system, []]))
  const notes = new Map<string, string>()
  const warmNotes = new Map<string, string>()
  for (const system of systems) {
    if (workload.needsSync && !loaded.get(system)!.system.sync) notes.set(system, 'n/a (no sync protocol)')
  }
  for (let rep = 1; rep <= reps; rep++) {
    const first = (rep - 1) % systems.length
    for (const system of [...systems.slice(first), ...systems.slice(0, first)]) {
      if (notes.has(system)) continue
      const outcome = await runWorker(system, workload.name, size, rep === 1 ? warmups : 0, rep === 1 ? warmRuns : 0)
      console.error(`${workload.name} ${size} ${system} process ${rep}/${reps}: ${outcome.cold ? 'cold ok' : 'no cold run'}, ${outcome.warm.length} warm${outcome.note ? `; ${outcome.note}` : ''}`)
      if (outcome.cold == null) {
        notes.set(system, outcome.note ?? 'no figures')
        continue
      }
      colds.get(system)!.push(outcome.cold)
      warms.get(system)!.push(...outcome.warm)
      if (rep === 1 && outcome.noWarm === true) warmNotes.set(system, `not run (cold run > ${warmLimit} s)`)
      else if (rep === 1 && outcome.warm.length < warmRuns && outcome.note) warmNotes.set(system, outcome.note)
    }
  }
  return systems.map((system) => {
    const note = notes.get(system)
    if (note != null) return { system, result: { note } }
    const cold = colds.get(system)!
    const warm = warms.get(system)!
    const warmNote = warmNotes.get(system)
    return {
      system,
      result: {
        cold: combineFigures(cold),
        colds: cold.length,
        ...(warm.length > 0 ? { warm: { median: combineFigures(warm), min: combineFigures(warm, minOf), max: combineFigures(warm, maxOf), runs: warm.length } } : {}),
        ...(warmNote != null ? { warmNote } : {}),
      },
    }
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

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim()
const sections: string[] = [
  '# roaring-mesh benchmark',
  methodSection([...loaded.keys()]),
  '## This run',
  `Command: \`${command}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit()})`,
  machineInfo(),
  `| system | version |\n| --- | --- |\n${[...loaded.values()].map((m) => `| ${m.name} | ${m.version} |`).join('\n')}`,
  [
    `Cold: the first run in a fresh process, median of ${reps} process(es). Warm: ${warmRuns} runs after ${warmups} warm-up run(s) in the same process, median (min–max)${Number.isFinite(warmLimit) ? `; none for a system whose cold run took over ${warmLimit} s` : ''}.`,
    `A run that reports nothing for ${capSeconds} s is killed. "vs ${REFERENCE}" columns: >1 means ${REFERENCE} is better (faster, or fewer bytes).`,
  ].join('\n'),
  ...(skipped.length > 0 ? [`Skipped:\n${skipped.map((why) => `- ${why}`).join('\n')}`] : []),
]

const tables: Array<{ workload: string, size: number, rows: Array<{ system: string, result: RowResult }> }> = []
const rendered: string[] = []
for (const workload of selectedWorkloads) {
  for (const size of sizeOverride ?? (args.quick ? workload.quickSizes : workload.sizes)) {
    const rows = await measureAll([...loaded.keys()], workload, size)
    tables.push({ workload: workload.name, size, rows })
    rendered.push(`## ${workload.title}: ${size.toLocaleString('en-US')} ${workload.sizeMeaning}\n\n${renderTable(workload.name, rows)}`)
  }
}

const markdown = [...sections, `## ${REFERENCE} against Yjs, Loro and a plain Map\n\nTimes the other takes over ours (>1: we are faster).\n\n${renderSummary(tables)}`, ...rendered].join('\n\n') + '\n'
if (args.write) writeFileSync(args.write, markdown)
process.stdout.write(markdown)
