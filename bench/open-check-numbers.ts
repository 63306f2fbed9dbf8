// What the checks at open cost (issue 14): the open time of a store of 1,000,000 entries (16-byte
// keys, 128-byte values) with every record's checksum verified, and with the verification skipped
// (`checksums.verify = false`, a switch for this script only); each open in a fresh process,
// alternating, medians of --runs. Also the time of the directory check and the open guard alone.
//
//   node --experimental-transform-types bench/open-check-numbers.ts [--entries N] [--runs R]
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { LevelStore } from '../src/index.ts'
import { nodeStoreFiles } from '../src/store/level/node-store-files.ts'
import { checksums } from '../src/store/level/record-codec.ts'

const { values: args } = parseArgs({ options: { entries: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, open: { type: 'string' }, verify: { type: 'string' } } })
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

if (args.open != null) {
  checksums.verify = args.verify !== 'off'
  let start = performance.now()
  const guard = await nodeStoreFiles.guard(args.open)
  await nodeStoreFiles.inspect(args.open)
  const guardMs = performance.now() - start
  await guard.release()
  start = performance.now()
  const store = await LevelStore.open(args.open)
  const openMs = performance.now() - start
  process.stdout.write(JSON.stringify({ size: store.size, openMs, guardMs }))
  await store.close()
} else {
  const entries = Number(args.entries)
  const dir = await mkdtemp(join(tmpdir(), 'roaring-mesh-bench-'))
  try {
    const big = join(dir, 'big')
    const store = await LevelStore.open(big)
    for (let t = 0; t < entries / 10_000; t++) {
      store.begin()
      for (let i = 0; i < 10_000; i++) store.set(randomBytes(16), randomBytes(128))
      await store.commit()
    }
    await store.close()
    console.log(`${entries} entries, ${(await readdir(big)).length} files`)
    const times: Record<string, number[]> = { on: [], off: [] }
    let guardMs: number[] = []
    for (let run = 0; run < Number(args.runs); run++) {
      for (const verify of ['on', 'off']) {
        const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--open', big, '--verify', verify], { encoding: 'utf8', maxBuffer: 1 << 20 })
        if (child.status !== 0) throw new Error(child.stderr)
        const figures = JSON.parse(child.stdout)
        if (figures.size !== entries) throw new Error(`opened ${figures.size} entries`)
        times[verify].push(figures.openMs)
        guardMs = [...guardMs, figures.guardMs]
        console.log(`run ${run + 1}, checks ${verify}: ${(figures.openMs / 1000).toFixed(2)} s`)
      }
    }
    console.log(`open, checks on:  ${(median(times.on) / 1000).toFixed(2)} s (median of ${times.on.length})`)
    console.log(`open, checks off: ${(median(times.off) / 1000).toFixed(2)} s (median of ${times.off.length})`)
    console.log(`directory check and open guard: ${median(guardMs).toFixed(1)} ms`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
