// `npm run fuzz`: the hostile-input fuzzer, for as long or as many cases as asked.
//
//   npm run fuzz -- --seconds 300 --seed 123     run for five minutes
//   npm run fuzz -- --count 100000               a fixed number of cases (seed from the clock)
//   npm run fuzz -- --seed 123 --case 4567       replay one case here, and say what happened
//
// FUZZ_SECONDS, FUZZ_COUNT and FUZZ_SEED do the same as the flags. Exits 1 if any case failed.

import { parseArgs } from 'node:util'
import { useMemoryLevel } from './memory-level.ts'
import { Fuzzer, formatFailure } from './runner.ts'
import { fuzz } from './supervisor.ts'
import { toHex } from './prng.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: process.env.FUZZ_SECONDS },
    count: { type: 'string', default: process.env.FUZZ_COUNT },
    seed: { type: 'string', default: process.env.FUZZ_SEED },
    case: { type: 'string' },
    'max-failures': { type: 'string', default: '50' }
  }
})

const seed = values.seed != null ? Number(values.seed) : Date.now() % 0x1_0000_0000
const number = (text: string | undefined): number | undefined => text == null ? undefined : Number(text)

if (values.case != null) {
  useMemoryLevel()
  const fuzzer = new Fuzzer(seed)
  const c = fuzzer.makeCase(Number(values.case))
  console.log(`seed ${seed} case ${c.index} (${c.kind})\n  mutations: ${c.steps.join('; ') || 'none'}\n  input: ${toHex(c.input)}`)
  if (c.ctx.recordKey != null) console.log(`  record key: ${toHex(c.ctx.recordKey)}`)
  const { outcome, ms, failure } = await fuzzer.runCase(c)
  console.log(failure != null ? formatFailure(failure) : `  outcome: ${outcome} in ${ms.toFixed(1)} ms`)
  if (failure != null) console.error(failure.message)
  process.exitCode = failure != null ? 1 : 0
} else {
  const seconds = number(values.seconds) ?? (values.count == null ? 60 : undefined)
  console.log(`fuzzing with seed ${seed}${seconds != null ? ` for ${seconds} s` : ''}${values.count != null ? `, at most ${values.count} cases` : ''}`)
  const report = await fuzz({ seed, seconds, count: number(values.count), maxFailures: Number(values['max-failures']) })
  console.log(`${report.cases} cases in ${report.seconds.toFixed(1)} s: ${report.perSecond} inputs/s; slowest case ${report.slowest.index} took ${report.slowest.ms.toFixed(1)} ms for ${report.slowest.bytes} bytes`)
  for (const [kind, outcomes] of Object.entries(report.tallies).sort()) {
    console.log(`  ${kind.padEnd(13)} ${Object.entries(outcomes).sort().map(([outcome, n]) => `${outcome} ${n}`).join(', ')}`)
  }
  for (const failure of report.failures) console.log(`\n${formatFailure(failure)}`)
  console.log(report.failures.length === 0 ? '\nno failures' : `\n${report.failures.length} failures`)
  process.exitCode = report.failures.length === 0 ? 0 : 1
}
