import { createInterface } from 'node:readline'
import { exited, type NetNamespace } from './net-namespace.ts'
import type { ChildProcess } from 'node:child_process'

/** Reads a child's stdout line by line; `next(match)` waits for a line that matches. */
export class LineReader {
  readonly lines: string[] = []
  readonly #waiters = new Set<{ match: (line: string) => boolean, resolve: (line: string) => void }>()

  constructor (proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      this.lines.push(line)
      for (const waiter of this.#waiters) {
        if (waiter.match(line)) {
          this.#waiters.delete(waiter)
          waiter.resolve(line)
        }
      }
    })
  }

  async next (match: (line: string) => boolean, what: string, timeout = 30_000, from = 0): Promise<string> {
    const seen = this.lines.slice(from).find(match)
    if (seen != null) return seen
    return await new Promise<string>((resolve, reject) => {
      const waiter = { match, resolve: (line: string) => { clearTimeout(timer); resolve(line) } }
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; output so far:\n${this.lines.join('\n')}`))
      }, timeout)
      this.#waiters.add(waiter)
    })
  }
}

/** The tests' mesh-control.ts process: page server and relay, driven by JSON commands. */
export class MeshControl {
  readonly url: string
  readonly #proc: ChildProcess
  readonly #reader: LineReader
  #nextId = 1

  private constructor (proc: ChildProcess, reader: LineReader, url: string) {
    this.#proc = proc
    this.#reader = reader
    this.url = url
  }

  static async start (ns: NetNamespace, bundleDir: string, mesh = 'browser-mesh'): Promise<MeshControl> {
    const proc = ns.spawnNode('test/integration/browser/mesh-control.ts', [bundleDir, mesh])
    const reader = new LineReader(proc)
    const ready = JSON.parse(await reader.next((line) => line.includes('"ready"'), 'the page server')) as { url: string }
    return new MeshControl(proc, reader, ready.url)
  }

  async call<T = any> (op: string, args: Record<string, unknown> = {}, timeout = 60_000): Promise<T> {
    const id = this.#nextId++
    this.#proc.stdin!.write(JSON.stringify({ id, op, ...args }) + '\n')
    const line = await this.#reader.next((l) => l.startsWith(`{"id":${id},`), `the answer to ${op}`, timeout)
    const answer = JSON.parse(line) as { result?: T, error?: string }
    if (answer.error != null) throw new Error(`${op} failed in mesh-control: ${answer.error}`)
    return answer.result as T
  }

  async close (): Promise<void> {
    if (this.#proc.exitCode == null) this.#proc.stdin!.end()
    await exited(this.#proc, 10_000)
  }
}
