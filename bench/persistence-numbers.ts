// LevelStore figures (issue 6, and issue 20's "opening a big store"):
//   - durable sets per second, one set per transaction (each commit awaited) and in
//     transactions of 1,000; ops integrated per second, in batches of 100 (as gossip brings them);
//   - open time and RAM for a store of 1,000,000 entries (16-byte keys, 128-byte values), measured
//     in a fresh process so nothing else is on the heap. RSS per entry is what the process's
//     resident set (VmRSS: its anonymous memory plus every file page it has mapped, LevelDB's
//     table files included) grew by from before `LevelStore.open` to after it resolved (after a
//     full collection), divided by the entries; "over the raw" subtracts the 144 bytes of key and
//     value each entry holds;
//   - bytes on disk per entry.
// Every figure is printed with the load average it was measured under.
//
//   node --experimental-transform-types --expose-gc bench/persistence-numbers.ts [--entries N]
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { LevelStore, MemStore, type Op } from '../src/index.ts'

const { values: args } = parseArgs({ options: { entries: { type: 'string', default: '1000000' }, open: { type: 'string' } } })
const gc = (): void => { (globalThis as { gc?: () => void }).gc?.() }
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)
const load = (): string => `load ${loadavg().map((n) => n.toFixed(1)).join(' / ')}`

/**
 * RSS split as Linux counts it: anonymous memory (the process's own) and file-backed pages, which
 * here are mostly LevelDB's table files, memory-mapped as it reads them (page cache the kernel
 * takes back under pressure, and which a close unmaps). Zero where /proc is missing.
 */
function rssParts (): { anon: number, file: number } {
  if (!existsSync('/proc/self/status')) return { anon: 0, file: 0 }
  const status = readFileSync('/proc/self/status', 'utf8')
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
  return { anon: kib('RssAnon'), file: kib('RssFile') }
}

if (args.open != null) {
  // Child: open the store and report time and memory.
  gc()
  const before = process.memoryUsage()
  const beforeParts = rssParts()
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  const store = await LevelStore.open(args.open)
  const openMs = performance.now() - start
  const cpu = process.cpuUsage(cpuBefore)
  // Freed ArrayBuffers are swept after the collection, off the main thread: let it finish.
  gc()
  await new Promise((resolve) => setTimeout(resolve, 200))
  gc()
  const after = process.memoryUsage()
  const afterParts = rssParts()
  process.stdout.write(JSON.stringify({
    size: store.size,
    openMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    load: load(),
    rss: after.rss - before.rss,
    anon: afterParts.anon - beforeParts.anon,
    file: afterParts.file - beforeParts.file,
    heap: after.heapUsed - before.heapUsed,
    // `external` already counts `arrayBuffers`.
    buffers: after.arrayBuffers - before.arrayBuffers
  }))
  await store.close()
} else {
  const entries = Number(args.entries)
  const dir = await mkdtemp(join(tmpdir(), 'roaring-mesh-bench-'))
  // Keys and values are made before each clock starts: drawing them (two randomBytes calls a set)
  // took longer than the writes they fed.
  const inputs = (n: number): { keys: Uint8Array[], values: Uint8Array[] } => ({
    keys: Array.from({ length: n }, () => randomBytes(16)),
    values: Array.from({ length: n }, () => randomBytes(128))
  })
  try {
    {
      const store = await LevelStore.open(join(dir, 'single'))
      const n = 2000
      const { keys, values } = inputs(n)
      const start = performance.now()
      for (let i = 0; i < n; i++) {
        store.begin()
        store.set(keys[i], values[i])
        await store.commit()
      }
      console.log(`durable sets/s, one per transaction: ${Math.round(n / ((performance.now() - start) / 1000))} (${load()})`)
      await store.close()
    }
    {
      const store = await LevelStore.open(join(dir, 'batched'))
      const n = 200
      const { keys, values } = inputs(n * 1000)
      const start = performance.now()
      for (let t = 0; t < n; t++) {
        store.begin()
        for (let i = t * 1000; i < (t + 1) * 1000; i++) store.set(keys[i], values[i])
        await store.commit()
      }
      console.log(`durable sets/s, transactions of 1,000: ${Math.round(n * 1000 / ((performance.now() - start) / 1000))} (${load()})`)
      await store.close()
    }
    {
      const source = new MemStore()
      const batches: Op[][] = []
      for (let b = 0; b < 1000; b++) batches.push(Array.from({ length: 100 }, () => source.insertWithOp(randomBytes(16), randomBytes(128))))
      const store = await LevelStore.open(join(dir, 'ops'))
      const start = performance.now()
      for (const batch of batches) await store.integrateOps(batch)
      console.log(`durable ops integrated/s, batches of 100: ${Math.round(100_000 / ((performance.now() - start) / 1000))} (${load()})`)
      await store.close()
    }
    const big = join(dir, 'big')
    {
      const store = await LevelStore.open(big)
      const { keys, values } = inputs(entries)
      const start = performance.now()
      for (let t = 0; t < entries / 10_000; t++) {
        store.begin()
        for (let i = t * 10_000; i < (t + 1) * 10_000; i++) store.set(keys[i], values[i])
        await store.commit()
      }
      console.log(`wrote ${entries} entries in transactions of 10,000 in ${((performance.now() - start) / 1000).toFixed(1)} s (${load()})`)
      await store.close()
    }
    let bytes = 0
    for (const file of await readdir(big)) bytes += (await stat(join(big, file))).size
    console.log(`bytes on disk per entry: ${(bytes / entries).toFixed(1)} (${mib(bytes)} MiB; key + value = 144)`)
    const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), '--open', big], { encoding: 'utf8', maxBuffer: 1 << 20 })
    if (child.status !== 0) throw new Error(child.stderr)
    const figures = JSON.parse(child.stdout)
    const perEntry = figures.rss / figures.size
    console.log(`open ${figures.size} entries: ${(figures.openMs / 1000).toFixed(2)} s, CPU (user + system, every thread) ${(figures.cpuMs / 1000).toFixed(2)} s (${figures.load})`)
    console.log(`  RSS after the open: +${mib(figures.rss)} MiB, ${Math.round(perEntry)} B per entry, ${Math.round(perEntry - 144)} B over the raw 144 of key and value (VmRSS growth over the open, after a full GC)`)
    console.log(`  of it: JS heap +${mib(figures.heap)} MiB, ArrayBuffers +${mib(figures.buffers)} MiB`)
    if (figures.anon !== 0 || figures.file !== 0) {
      console.log(`  of it: anonymous +${mib(figures.anon)} MiB (${Math.round(figures.anon / figures.size)} B per entry), file-backed (LevelDB's mapped table files) +${mib(figures.file)} MiB (${Math.round(figures.file / figures.size)} B per entry)`)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
