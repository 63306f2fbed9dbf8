// One measurement in a fresh process, so heaps of different systems and runs
// never mix: `node --expose-gc bench/worker.ts <system> <workload> <size>`.
// Prints one JSON line of figures on stdout.
import { PerformanceObserver } from 'node:perf_hooks'
import { timedSpans } from './measure.ts'
import type { SystemModule } from './systems/types.ts'
import { workloadNamed } from './workloads/registry.ts'

const [systemName, workloadName, sizeText] = process.argv.slice(2)
if (!systemName || !workloadName || !sizeText) {
  console.error('usage: node --expose-gc bench/worker.ts <system> <workload> <size>')
  process.exit(2)
}
const { system } = (await import(`./systems/${systemName}.ts`)) as SystemModule
// The collector's pauses, to show how much of a timed figure was spent collecting garbage.
const pauses: Array<{ start: number, end: number }> = []
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration })
})
observer.observe({ entryTypes: ['gc'] })
const figures = workloadNamed(workloadName).run(system, Number(sizeText))
// GC entries reach the observer after the task that made them.
await new Promise((resolve) => setTimeout(resolve, 100))
observer.disconnect()
// Only a workload timing a single span has one figure the pauses belong to.
if (timedSpans.length === 1) {
  const [span] = timedSpans
  figures.gcMs = pauses.reduce((sum, pause) => sum + Math.max(0, Math.min(pause.end, span.end) - Math.max(pause.start, span.start)), 0)
}
process.stdout.write(JSON.stringify(figures) + '\n')
