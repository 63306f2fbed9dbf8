// One measurement in a fresh process, so heaps of different systems and runs
// never mix: `node --expose-gc bench/worker.ts <system> <workload> <size>`.
// Prints one JSON line of figures on stdout.
import type { SystemModule } from './systems/types.ts'
import { workloadNamed } from './workloads/registry.ts'

const [systemName, workloadName, sizeText] = process.argv.slice(2)
if (!systemName || !workloadName || !sizeText) {
  console.error('usage: node --expose-gc bench/worker.ts <system> <workload> <size>')
  process.exit(2)
}
const { system } = (await import(`./systems/${systemName}.ts`)) as SystemModule
const figures = workloadNamed(workloadName).run(system, Number(sizeText))
process.stdout.write(JSON.stringify(figures) + '\n')
