// The fuzzer's cases: case `index` of run `seed` is made from its own PRNG over the run's corpus,
// so any one of them replays alone (`npm run fuzz -- --seed S --case I`).

import { buildCorpus, KINDS, type Corpus, type Kind } from './generators.ts'
import { mutate } from './mutators.ts'
import { Rng, caseSeed, toHex } from './prng.ts'
import { Violation, describe, runTarget, type TargetContext } from './targets.ts'

/** Inputs under this size that take longer than {@link SLOW_MS} fail: work must stay linear in bytes. */
export const SLOW_INPUT_BYTES = 64 * 1024
export const SLOW_MS = 2000

/** How often each kind is drawn. */
const KIND_WEIGHTS: Record<Kind, number> = { ops: 3, announcement: 1, 'diff-request': 2, diff: 3, record: 2 }

export interface FuzzCase {
  readonly index: number
  readonly kind: Kind
  readonly ctx: TargetContext
  readonly input: Uint8Array
  /** What the mutators did, in order. */
  readonly steps: readonly string[]
}

export interface Failure {
  readonly seed: number
  readonly index: number
  readonly kind: Kind
  readonly steps: readonly string[]
  readonly hex: string
  /** For records: the key the value was read under. */
  readonly recordKeyHex?: string
  readonly message: string
}

/** Outcome label → count, per kind. */
export type Tallies = Record<string, Record<string, number>>

export function failureOf (seed: number, c: FuzzCase, message: string): Failure {
  const failure: Failure = { seed, index: c.index, kind: c.kind, steps: c.steps, hex: toHex(c.input), message }
  return c.ctx.recordKey == null ? failure : { ...failure, recordKeyHex: toHex(c.ctx.recordKey) }
}

export function formatFailure (f: Failure): string {
  return [
    `seed ${f.seed} case ${f.index} (${f.kind}): ${f.message}`,
    `  mutations: ${f.steps.join('; ') || 'none'}`,
    ...(f.recordKeyHex != null ? [`  record key: ${f.recordKeyHex}`] : []),
    `  input (${f.hex.length / 2} bytes): ${f.hex.length > 2000 ? `${f.hex.slice(0, 2000)}…` : f.hex}`,
    `  replay: npm run fuzz -- --seed ${f.seed} --case ${f.index}`
  ].join('\n')
}

export class Fuzzer {
  readonly seed: number
  readonly corpus: Corpus

  constructor (seed: number) {
    this.seed = seed
    this.corpus = buildCorpus(new Rng(seed))
  }

  makeCase (index: number): FuzzCase {
    const rng = new Rng(caseSeed(this.seed, index))
    const { corpus } = this
    let pick = rng.int(KINDS.reduce((sum, k) => sum + KIND_WEIGHTS[k], 0))
    let k = 0
    while (pick >= KIND_WEIGHTS[KINDS[k]]) pick -= KIND_WEIGHTS[KINDS[k++]]
    const kind = KINDS[k]
    const all = Object.values(corpus.messages)
    const state = rng.pick(corpus.states)
    const ctx = {
      kind,
      // Now and then the fresh store is a writer the message speaks of: its own dots come back.
      freshId: rng.chance(0.1) ? rng.pick(corpus.states).writer : toHex(rng.bytes(48)),
      state,
      maxFrameBytes: rng.pick([64, 1024, 65536]),
      resendFrom: rng.int(2)
    }
    const unchanged = rng.chance(0.03)
    if (kind === 'record') {
      const database = rng.pick(corpus.databases)
      // The state record (third) is small and says much: aim at it more often.
      const at = rng.chance(0.1) ? 2 : rng.int(database.length)
      let [key, value] = database[at]
      const rest = database.filter((_, i) => i !== at)
      let steps: string[] = []
      if (!unchanged) {
        const other = rng.pick(rng.pick(corpus.databases))[rng.int(2)]
        const onKey = rng.chance(0.15)
        ;({ bytes: key, steps } = onKey ? mutate(rng, { bytes: key, kind, other }) : { bytes: key, steps })
        if (!onKey) ({ bytes: value, steps } = mutate(rng, { bytes: value, kind, other }))
        if (onKey) steps = steps.map((step) => `key: ${step}`)
      }
      return { index, kind, ctx: { ...ctx, database: rest, recordKey: key }, input: value, steps }
    }
    const base = rng.pick(corpus.messages[kind])
    const other = rng.chance(0.5) ? rng.pick(corpus.messages[kind]) : rng.pick(rng.pick(all))
    const { bytes, steps } = unchanged ? { bytes: base, steps: [] } : mutate(rng, { bytes: base, kind, other })
    return { index, kind, ctx, input: bytes, steps }
  }

  /** Runs one case: its outcome label, or a failure. */
  async runCase (c: FuzzCase): Promise<{ outcome: string, ms: number, failure?: Failure }> {
    const start = performance.now()
    try {
      const outcome = await runTarget(c.ctx, c.input)
      const ms = performance.now() - start
      if (ms > SLOW_MS && c.input.byteLength < SLOW_INPUT_BYTES) {
        return { outcome: 'too slow', ms, failure: failureOf(this.seed, c, `took ${Math.round(ms)} ms for ${c.input.byteLength} bytes (${outcome})`) }
      }
      return { outcome, ms }
    } catch (err) {
      const message = err instanceof Violation ? err.message : `the harness itself threw ${describe(err)}`
      return { outcome: 'FAILED', ms: performance.now() - start, failure: failureOf(this.seed, c, message) }
    }
  }
}
