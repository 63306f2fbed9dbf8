// The workloads by name, with the sizes a default run and a --quick run use.
import type { Figures } from '../measure.ts'
import type { BenchSystem } from '../systems/types.ts'
import { bulkInsert, opSync } from './local.ts'
import { churn, concurrentEdits, fullSync } from './replication.ts'

export interface Workload {
  name: string
  title: string
  /** What the size parameter counts. */
  sizeMeaning: string
  sizes: number[]
  quickSizes: number[]
  /** Skipped for systems without a sync protocol (the floor). */
  needsSync: boolean
  run<R, K, V>(system: BenchSystem<R, K, V>, size: number): Figures | Promise<Figures>
}

export const workloads: Workload[] = [
  { name: 'bulk', title: '1. Bulk insert, one transaction', sizeMeaning: 'sets', sizes: [100_000, 1_000_000], quickSizes: [2_000], needsSync: false, run: bulkInsert },
  { name: 'opsync', title: '2. Op sync, one transaction per set, applied on a second replica', sizeMeaning: 'ops', sizes: [100_000, 1_000_000], quickSizes: [500], needsSync: false, run: opSync },
  { name: 'fullsync', title: '3. Full state sync to an empty replica', sizeMeaning: 'entries', sizes: [100_000, 1_000_000], quickSizes: [2_000], needsSync: true, run: fullSync },
  { name: 'churn', title: '4. Churn: keys, 10x random overwrites, 10% deleted; then sync rounds', sizeMeaning: 'keys', sizes: [100_000], quickSizes: [1_000], needsSync: false, run: churn },
  { name: 'concurrent', title: '5. Concurrent offline edits, half on shared keys, then sync both ways', sizeMeaning: 'edits per replica', sizes: [10_000], quickSizes: [200], needsSync: true, run: concurrentEdits },
]

export function workloadNamed(name: string): Workload {
  const workload = workloads.find((w) => w.name === name)
  if (!workload) throw new Error(`unknown workload ${name}; known: ${workloads.map((w) => w.name).join(', ')}`)
  return workload
}
