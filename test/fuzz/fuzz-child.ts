// The fuzzer's process: runs cases [from, from + count) until done or past its deadline, and
// writes the index of the case under way into a progress file (a synchronous write, there even if
// the case then hangs) so that the supervisor can tell a case that hangs, and name it. A process,
// not a worker thread: killing it frees the native bitmaps a blown-up case made.

import { closeSync, openSync, writeSync } from 'node:fs'
import { useMemoryLevel } from './memory-level.ts'
import { Fuzzer, type Tallies } from './runner.ts'

export interface ChildInput {
  readonly seed: number
  readonly from: number
  readonly count: number
  /** Date.now() after which no new case starts. */
  readonly deadline: number
  /** A file the index of the case under way is written to: [index, 1 while it runs] as two i32. */
  readonly progressFile: string
}

export type ChildMessage =
  | { readonly type: 'failure', readonly failure: import('./runner.ts').Failure }
  /** Outcomes since the last such message (sent now and then, so that a killed child loses few). */
  | { readonly type: 'tallies', readonly tallies: Tallies, readonly slowest: { readonly ms: number, readonly index: number, readonly bytes: number } }
  | { readonly type: 'done', readonly next: number }

const input = JSON.parse(process.argv[2]) as ChildInput
const progressFd = openSync(input.progressFile, 'w')
const progress = new Int32Array(2)
const progressBytes = new Uint8Array(progress.buffer)
const report = (index: number, running: number): void => {
  progress[0] = index
  progress[1] = running
  writeSync(progressFd, progressBytes, 0, 8, 0)
}
useMemoryLevel()
const fuzzer = new Fuzzer(input.seed)
const post = (message: ChildMessage): void => { process.send!(message) }

let tallies: Tallies = {}
const slowest = { ms: 0, index: -1, bytes: 0 }
let sent = Date.now()
const sendTallies = (): void => {
  post({ type: 'tallies', tallies, slowest })
  tallies = {}
  sent = Date.now()
}
let index = input.from
for (; index < input.from + input.count && Date.now() < input.deadline; index++) {
  const c = fuzzer.makeCase(index)
  report(index, 1)
  const { outcome, ms, failure } = await fuzzer.runCase(c)
  report(index, 0)
  const kind = (tallies[c.kind] ??= {})
  kind[outcome] = (kind[outcome] ?? 0) + 1
  if (ms > slowest.ms) Object.assign(slowest, { ms, index, bytes: c.input.byteLength })
  if (failure != null) post({ type: 'failure', failure })
  if (Date.now() - sent > 200) sendTallies()
}
sendTallies()
closeSync(progressFd)
post({ type: 'done', next: index })
process.disconnect()
