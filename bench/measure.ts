// Helpers the workloads share: timing, memory after GC, and the content
// checks that turn a silent replication bug into "MISMATCH" in the table.
import type { BenchSystem } from './systems/types.ts'

/** Figures a workload reports; `check` is 'ok' or what went wrong. */
export type Figures = Record<string, number | string>

const gc = (globalThis as { gc?: () => void }).gc

/** Memory after full GCs: the JS heap, and the two counts of what lies outside it. */
export interface MemoryReading {
  heap: number
  /** V8's count: ArrayBuffers and WebAssembly memory (where Loro and Automerge keep their state), not SharedArrayBuffers. */
  external: number
  /** Node.js's count: ArrayBuffers and SharedArrayBuffers (where roaring-mesh keeps its own), not WebAssembly memory. */
  arrayBuffers: number
}

export function memoryNow(): MemoryReading {
  if (!gc) throw new Error('run with --expose-gc')
  gc()
  gc()
  const usage = process.memoryUsage()
  return { heap: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers }
}

/**
 * Bytes held now beyond `before`: the heap's growth plus the larger of the two outside counts'
 * growths, which is all of what grew outside the heap when it is all buffers or all WebAssembly
 * memory (as it is for every system here).
 */
export function memoryGrowth(before: MemoryReading): number {
  const now = memoryNow()
  return now.heap - before.heap + Math.max(now.external - before.external, now.arrayBuffers - before.arrayBuffers)
}

/** Every span {@link elapsedMs} timed in this process, in `performance.now()` time. */
export const timedSpans: Array<{ start: number, end: number }> = []

/**
 * A full collection, after a workload has made its inputs and before it starts the clock. Inputs
 * made just before are young objects: the collection that moves them out of the young generation
 * (17–21 ms for 100,000 keys and values, seen in the bulk insert) would otherwise fall inside the
 * timed span of whichever system first allocates there, charging their preparation to it.
 */
export function collectBeforeClock(): void {
  if (!gc) throw new Error('run with --expose-gc')
  gc()
}

export function elapsedMs(fn: () => void): number {
  const start = performance.now()
  fn()
  const end = performance.now()
  timedSpans.push({ start, end })
  return end - start
}

/** {@link elapsedMs} of work that may wait (another thread's answer, say). */
export async function elapsedMsAsync(fn: () => Promise<void>): Promise<number> {
  const start = performance.now()
  await fn()
  const end = performance.now()
  timedSpans.push({ start, end })
  return end - start
}

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

/** A key and the value a replica should hold for it (undefined: absent). */
export type Expectation = [key: Uint8Array, value: Uint8Array | undefined]

/** Up to `count` evenly spread indices below n, for sample checks that stay cheap at 1M entries. */
export function sampleIndices(n: number, count = 64): number[] {
  const step = Math.max(1, Math.floor(n / count))
  const indices: number[] = []
  for (let i = 0; i < n && indices.length < count; i += step) indices.push(i)
  return indices
}

/** '' if `replica` holds `size` entries and every expectation holds, else why not. */
export function checkContent<R, K, V>(system: BenchSystem<R, K, V>, replica: R, size: number, expectations: Expectation[]): string {
  const actualSize = system.size(replica)
  if (actualSize !== size) return `size ${actualSize}, expected ${size}`
  const wrong = expectations.filter(([key, value]) => !sameBytes(system.get(replica, system.key(key)), value)).length
  return wrong === 0 ? '' : `${wrong}/${expectations.length} checked keys differ`
}

/** The `check` figure: 'ok' or every failure joined. */
export function verdict(...problems: string[]): string {
  const failed = problems.filter((problem) => problem !== '')
  return failed.length === 0 ? 'ok' : `MISMATCH: ${failed.join('; ')}`
}
