// The runs of one (system, workload, size) in a fresh process, so heaps of different systems
// never mix: `node --expose-gc bench/worker.ts <system> <workload> <size> [warm-ups] [warm runs]`.
// The first run is the cold figure (the JIT has seen none of the system's code); then the
// warm-ups, whose figures are dropped; then the warm runs. Each run prints one JSON line
// `{ phase, figures }` on stdout as soon as it ends, so a run cut off by the cap keeps those before it.
import { PerformanceObserver } from 'node:perf_hooks'
import { memoryNow, timedSpans } from './measure.ts'
import type { SystemModule } from './systems/types.ts'
import { workloadNamed } from './workloads/registry.ts'

const [systemName, workloadName, sizeText, warmupText = '0', warmText = '0', warmLimitText = 'Infinity'] = process.argv.slice(2)
if (!systemName || !workloadName || !sizeText) {
  console.error('usage: node --expose-gc bench/worker.ts <system> <workload> <size> [warm-ups] [warm runs]')
  process.exit(2)
}
const { system } = (await import(`./systems/${systemName}.ts`)) as SystemModule
const workload = workloadNamed(workloadName)
const size = Number(sizeText)
const warmups = Number(warmupText)
const warm = Number(warmText)
/** A cold run longer than this many seconds gets no warm runs: the JIT's warm-up is lost in it. */
const warmLimit = Number(warmLimitText)

// The collector's pauses, to show how much of a timed figure was spent collecting garbage.
const pauses: Array<{ start: number, end: number }> = []
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration })
})
observer.observe({ entryTypes: ['gc'] })

for (let run = 0; run < 1 + warmups + warm; run++) {
  const runStart = performance.now()
  timedSpans.length = 0
  pauses.length = 0
  const figures = await workload.run(system, size)
  // GC entries reach the observer after the task that made them.
  await new Promise((resolve) => setTimeout(resolve, 100))
  // Only a workload timing a single span has one figure the pauses belong to.
  if (timedSpans.length === 1) {
    const [span] = timedSpans
    figures.gcMs = pauses.reduce((sum, pause) => sum + Math.max(0, Math.min(pause.end, span.end) - Math.max(pause.start, span.start)), 0)
  }
  const phase = run === 0 ? 'cold' : run <= warmups ? 'warmup' : 'warm'
  process.stdout.write(JSON.stringify({ phase, figures }) + '\n')
  if (run === 0 && warmups + warm > 0 && performance.now() - runStart > warmLimit * 1000) {
    process.stdout.write(JSON.stringify({ phase: 'no-warm', figures: {} }) + '\n')
    break
  }
  // The last run's replicas are garbage now: the next run starts from a collected heap.
  memoryNow()
}
observer.disconnect()
