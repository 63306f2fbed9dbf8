// Runs the fuzzer in a child process and watches it: a case that runs past the time limit, or a
// process that grows past the memory limit, is a failure too. The child is then killed, the
// case named (rebuilt here from the seed and index), and a new child goes on with the next case.

import { fork } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Fuzzer, SLOW_MS, failureOf, type Failure, type Tallies } from './runner.ts'
import type { ChildInput, ChildMessage } from './fuzz-child.ts'

export interface FuzzOptions {
  readonly seed: number
  /** How many cases. @default unlimited (then `seconds` bounds the run) */
  readonly count?: number
  /** How long to run. @default unlimited (then `count` bounds the run) */
  readonly seconds?: number
  /** Stop after this many failures. @default 20 */
  readonly maxFailures?: number
}

export interface FuzzReport {
  readonly seed: number
  readonly cases: number
  readonly seconds: number
  readonly perSecond: number
  readonly tallies: Tallies
  readonly failures: Failure[]
  readonly slowest: { readonly ms: number, readonly index: number, readonly bytes: number }
}

/** A case that runs this long is stopped as a hang (the per-case limit, with room for a GC pause). */
const HANG_MS = SLOW_MS + 500
/** Resident memory beyond which the child is killed: a bitmap or map blown up by a few bytes. */
const RSS_LIMIT = 3 * 1024 ** 3
const POLL_MS = 25

interface Segment {
  readonly next: number
  /** Why the child was killed, if it was. */
  readonly stopped?: { readonly index: number, readonly why: string }
}

interface Totals {
  readonly failures: Failure[]
  readonly tallies: Tallies
  slowest: FuzzReport['slowest']
}

/** The child's resident memory, from /proc (Linux); 0 where that cannot be read. */
function residentBytes (pid: number | undefined): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1]) * 4096
  } catch {
    return 0
  }
}

/** The [index, running] the child last wrote. */
function readProgress (file: string): [number, number] {
  try {
    const bytes = readFileSync(file)
    if (bytes.byteLength >= 8) return [bytes.readInt32LE(0), bytes.readInt32LE(4)]
  } catch {}
  return [-1, 0]
}

function runSegment (input: Omit<ChildInput, 'progressFile'>, totals: Totals): Promise<Segment> {
  const progressFile = join(tmpdir(), `roaring-mesh-fuzz-${process.pid}-${input.from}`)
  const child = fork(fileURLToPath(new URL('./fuzz-child.ts', import.meta.url)), [JSON.stringify({ ...input, progressFile })], {
    // A bounded heap: a case that fills it dies at once, and is named, instead of swapping the machine.
    execArgv: [...process.execArgv, '--max-old-space-size=2048'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  return new Promise((resolve, reject) => {
    let settled = false
    let watched = -1
    let since = Date.now()
    const finish = (segment: Segment | Error): void => {
      if (settled) return
      settled = true
      clearInterval(timer)
      rmSync(progressFile, { force: true })
      if (segment instanceof Error) reject(segment)
      else resolve(segment)
    }
    const stop = (index: number, why: string): void => {
      child.kill('SIGKILL')
      finish({ next: index + 1, stopped: { index, why } })
    }
    const timer = setInterval(() => {
      const [index, running] = readProgress(progressFile)
      const rss = residentBytes(child.pid)
      if (rss > RSS_LIMIT) {
        if (running === 1) stop(index, `the process grew to ${Math.round(rss / 1024 ** 2)} MiB`)
        else {
          child.kill('SIGKILL')
          finish(new Error(`fuzz child grew to ${Math.round(rss / 1024 ** 2)} MiB outside any case (building its corpus?)`))
        }
        return
      }
      if (running === 0) {
        watched = -1
        return
      }
      if (index !== watched) {
        watched = index
        since = Date.now()
      } else if (Date.now() - since > HANG_MS) {
        stop(index, `still running after ${HANG_MS} ms (a hang, or work far from linear in its bytes)`)
      }
    }, POLL_MS)
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'failure') totals.failures.push(message.failure)
      else if (message.type === 'tallies') {
        addTallies(totals.tallies, message.tallies)
        if (message.slowest.ms > totals.slowest.ms) totals.slowest = message.slowest
      } else if (message.type === 'done') finish({ next: message.next })
    })
    child.on('error', (err) => { finish(err) })
    child.on('exit', (code, signal) => {
      // Out of heap, or killed from outside: the case under way is to blame, if one was.
      const [index, running] = readProgress(progressFile)
      if (running === 1) stop(index, `the process died (${signal ?? `exit code ${code}`})`)
      else finish(new Error(`fuzz child exited (${signal ?? `exit code ${code}`}) before it finished`))
    })
  })
}

function addTallies (into: Tallies, from: Tallies): void {
  for (const [kind, outcomes] of Object.entries(from)) {
    const mine = (into[kind] ??= {})
    for (const [outcome, n] of Object.entries(outcomes)) mine[outcome] = (mine[outcome] ?? 0) + n
  }
}

/** Runs the fuzzer: `count` cases, or as many as `seconds` allow, or whichever ends first. */
export async function fuzz (options: FuzzOptions): Promise<FuzzReport> {
  if (options.count == null && options.seconds == null) throw new Error('fuzz: give a count, seconds or both')
  const started = Date.now()
  const deadline = options.seconds == null ? Number.MAX_SAFE_INTEGER : started + options.seconds * 1000
  const end = options.count ?? Number.MAX_SAFE_INTEGER
  const totals: Totals = { failures: [], tallies: {}, slowest: { ms: 0, index: -1, bytes: 0 } }
  const { failures, tallies } = totals
  let replay: Fuzzer | undefined
  let next = 0
  while (next < end && Date.now() < deadline && failures.length < (options.maxFailures ?? 20)) {
    const segment = await runSegment({ seed: options.seed, from: next, count: end - next, deadline }, totals)
    if (segment.stopped != null) {
      replay ??= new Fuzzer(options.seed)
      const c = replay.makeCase(segment.stopped.index)
      failures.push(failureOf(options.seed, c, segment.stopped.why))
      addTallies(tallies, { [c.kind]: { 'STOPPED': 1 } })
    }
    next = segment.next
  }
  const seconds = (Date.now() - started) / 1000
  return { seed: options.seed, cases: next, seconds, perSecond: Math.round(next / seconds), tallies, failures, slowest: totals.slowest }
}
