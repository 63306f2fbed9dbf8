// Issue 19, "Hostile input": valid messages of every kind, mutated at random, go through decode
// and integrate. Each must integrate or throw one of the package's typed errors (never anything
// else), a refused one must change nothing, and the work per input must stay linear in its bytes.
// `npm run fuzz` runs the same fuzzer for longer (see ./fuzz.ts).

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useMemoryLevel } from './memory-level.ts'
import { Fuzzer, formatFailure } from './runner.ts'
import { fuzz } from './supervisor.ts'
import { runTarget } from './targets.ts'
import { KINDS, buildCorpus } from './generators.ts'
import { Rng, toHex } from './prng.ts'

/** A fixed seed and count: about 12 s on a 2-core machine (~500 inputs/s) once no case hangs. */
const SEED = 20261201
const COUNT = 20_000

describe('hostile input', () => {
  it('the same seed makes the same messages and the same cases', () => {
    const a = new Fuzzer(SEED)
    const b = new Fuzzer(SEED)
    for (const kind of KINDS) {
      if (kind === 'record') continue
      assert.deepEqual(a.corpus.messages[kind].map(toHex), b.corpus.messages[kind].map(toHex))
    }
    for (const index of [0, 1, 999, 123456]) assert.equal(toHex(a.makeCase(index).input), toHex(b.makeCase(index).input))
  })

  it('every message honest replicas exchanged is taken as it is', async () => {
    useMemoryLevel()
    // Not the crafted ones: with no watchdog here, a slow path of theirs would only stall the test.
    const { messages, states, databases } = buildCorpus(new Rng(SEED), 12, false)
    // The store that already holds state is not one of the writers here: a store given a writer's
    // id refuses that writer's dots as foreign (it never issued them), as the fuzz cases check.
    const ctx = { freshId: 'f'.repeat(96), state: { ...states[0], writer: 'e'.repeat(96) }, maxFrameBytes: 1024, resendFrom: 1 }
    for (const kind of ['ops', 'announcement', 'diff-request', 'diff'] as const) {
      for (const message of messages[kind]) {
        assert.match(await runTarget({ ...ctx, kind }, message), /^(integrated|answered|decoded)$/, `${kind} ${toHex(message)}`)
      }
    }
    for (const database of databases) {
      const [key, value] = database[database.length - 1]
      assert.equal(await runTarget({ ...ctx, kind: 'record', database: database.slice(0, -1), recordKey: key }, value), 'opened')
    }
  })

  it(`mutants of every kind integrate or throw a typed error, in work linear in their bytes (seed ${SEED}, ${COUNT} cases)`, async (t) => {
    // A hang costs its 2.5 s limit: stop after a few, the report names them.
    const report = await fuzz({ seed: SEED, count: COUNT, maxFailures: 12 })
    t.diagnostic(`${report.cases} cases in ${report.seconds.toFixed(1)} s: ${report.perSecond} inputs/s`)
    for (const [kind, outcomes] of Object.entries(report.tallies)) t.diagnostic(`${kind}: ${JSON.stringify(outcomes)}`)
    // Every kind reached both outcomes: a fuzzer whose mutants all fail to decode tests little.
    for (const kind of KINDS) assert.ok(Object.keys(report.tallies[kind] ?? {}).length >= 2, `${kind}: ${JSON.stringify(report.tallies[kind])}`)
    assert.equal(report.failures.length, 0, `${report.failures.length} failing inputs:\n\n${report.failures.map(formatFailure).join('\n\n')}`)
  })
})
