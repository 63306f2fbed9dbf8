import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { bundlePage } from '../../../examples/browser-mesh/page-server.ts'

export const CHROMIUM = '/usr/bin/chromium'
const root = fileURLToPath(new URL('../../../', import.meta.url))
/** Screenshots and numbers of the last run (git-ignored). */
export const artifactsDir = join(root, 'test-artifacts', 'browser-mesh')
/** How Node runs the project's .ts files (see notes/CONTEXT.md). */
const nodeArgs = ['--experimental-transform-types', '--disable-warning=ExperimentalWarning']

/** Installs Debian's Chromium when it is missing: CI starts from a fresh machine (as root). */
export function ensureChromium (): void {
  if (existsSync(CHROMIUM)) return
  const install = (): void => { execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }) }
  try {
    install()
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 })
    install()
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is missing`)
}

export async function resetArtifacts (): Promise<void> {
  await rm(artifactsDir, { recursive: true, force: true })
  await mkdir(artifactsDir, { recursive: true })
}

export function artifact (name: string): string {
  return join(artifactsDir, name)
}

/** Runs until `proc` exits, or kills it after `ms`. */
async function exited (proc: ChildProcess, ms: number): Promise<void> {
  if (proc.exitCode != null || proc.signalCode != null) return
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL') }, ms)
    proc.once('exit', () => { clearTimeout(timer); resolve() })
  })
}

/**
 * A private network namespace holding only loopback, kept alive by a sleeping process: relay,
 * page server and Chromium run inside it (nsenter), so no byte leaves the machine (BROWSER.md).
 */
export class NetNamespace {
  readonly #holder: ChildProcess
  readonly #dir: string
  readonly pid: number

  private constructor (holder: ChildProcess, dir: string) {
    this.#holder = holder
    this.#dir = dir
    this.pid = holder.pid!
  }

  static async create (): Promise<NetNamespace> {
    // The holder lives as long as its stdin, which is ours: the namespace cannot outlive the tests.
    const holder = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && echo up && exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] })
    await new Promise<void>((resolve, reject) => {
      holder.once('error', reject)
      holder.once('exit', (code) => { reject(new Error(`unshare exited with ${code}`)) })
      holder.stdout!.once('data', () => { resolve() })
    })
    return new NetNamespace(holder, await mkdtemp(join(tmpdir(), 'browser-mesh-')))
  }

  /** A temp directory removed with the namespace. */
  get dir (): string {
    return this.#dir
  }

  spawn (command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    return spawn('nsenter', ['-t', String(this.pid), '-n', command, ...args], options)
  }

  /** Runs a .ts file of this repository with the project's Node inside the namespace. */
  spawnNode (file: string, args: string[]): ChildProcess {
    return this.spawn(process.execPath, [...nodeArgs, join(root, file), ...args], { stdio: ['pipe', 'pipe', 'inherit'], cwd: root })
  }

  /** Chromium in this namespace, as Playwright launches it: a script that enters the namespace and execs it. */
  async launchChromium (): Promise<Browser> {
    const wrapper = join(this.#dir, 'chromium-in-netns')
    await writeFile(wrapper, `#!/bin/sh\nexec nsenter -t ${this.pid} -n ${CHROMIUM} "$@"\n`)
    await chmod(wrapper, 0o755)
    return await chromium.launch({
      executablePath: wrapper,
      headless: true,
      // Without both, Chromium gathers no ICE candidates on a loopback-only network (BROWSER.md).
      args: ['--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection'],
      timeout: 60_000
    })
  }

  async close (): Promise<void> {
    this.#holder.kill('SIGKILL')
    await exited(this.#holder, 5000)
    await rm(this.#dir, { recursive: true, force: true })
  }
}

/** Bundles the page once for a test file (what `start.ts` does at every start). */
export async function writeBundle (dir: string): Promise<string> {
  const bundle = await bundlePage()
  const out = join(dir, 'bundle')
  await mkdir(out, { recursive: true })
  await writeFile(join(out, 'main.js'), bundle.js)
  await writeFile(join(out, 'main.js.map'), bundle.map)
  return out
}

/** The first ```ts block of the README's "## Browser apps" section: the app it shows, as written. */
export async function readmeApp (): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n## Browser apps\n'))
  const block = /```ts\n([\s\S]*?)\n```/.exec(section)
  if (!readme.includes('\n## Browser apps\n') || block == null) throw new Error('README.md has no "## Browser apps" section with a ts code block')
  return block[1]
}

/**
 * Bundles the README's browser app as an app of its own would: `roaring-mesh` resolved to the
 * package's browser entry, and a bare HTML page that loads it.
 */
export async function writeReadmeAppBundle (dir: string): Promise<string> {
  const out = join(dir, 'readme-app')
  await mkdir(out, { recursive: true })
  await writeFile(join(out, 'app.ts'), await readmeApp())
  await build({
    entryPoints: [join(out, 'app.ts')],
    outfile: join(out, 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome120'],
    sourcemap: 'linked',
    alias: { 'roaring-mesh': join(root, 'src', 'browser.ts') },
    logLevel: 'silent'
  })
  await writeFile(join(out, 'index.html'), '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>notes</title><script type="module" src="main.js"></script></head><body></body></html>\n')
  return out
}

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

/** The page's debugging handle (page/main.ts puts it on window). */
interface PageHandle {
  store: { flush: () => Promise<void>, get: (key: string) => string | undefined, set: (key: string, value: string) => void, delete: (key: string) => boolean, size: number, stateHash: () => Uint8Array, transact: (fn: (tx: any) => void) => void }
  node: { peerId: { toString: () => string }, getConnections: () => Array<{ remotePeer: { toString: () => string }, multiplexer?: string, limits?: unknown, remoteAddr: { toString: () => string } }> }
  metrics: { firstDirectMs?: number }
}
declare global {
  interface Window {
    roaringMesh: PageHandle
    longTasks: Array<{ start: number, duration: number }>
  }
}

/** Opens the page in a new tab of `context` and waits until its peer has started. */
export async function openPage (context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (err) => { console.error(`page error in ${url}: ${err.stack ?? err.message}`) })
  await page.goto(url)
  await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 })
  return page
}

export async function peerIdOf (page: Page): Promise<string> {
  return await page.evaluate(() => window.roaringMesh.node.peerId.toString())
}

export interface ConnectionInfo { peer: string, multiplexer?: string, limited: boolean, remoteAddr: string }

export async function connectionsOf (page: Page): Promise<ConnectionInfo[]> {
  return await page.evaluate(() => window.roaringMesh.node.getConnections().map((c) => ({
    peer: c.remotePeer.toString(), multiplexer: c.multiplexer, limited: c.limits != null, remoteAddr: c.remoteAddr.toString()
  })))
}

/** Peers `page` has a direct WebRTC connection to: multiplexer '/webrtc' and no limits (BROWSER.md). */
export async function directPeersOf (page: Page): Promise<string[]> {
  return (await connectionsOf(page)).filter((c) => c.multiplexer === '/webrtc' && !c.limited).map((c) => c.peer)
}

/** Writes through the page's form, as a person would. */
export async function setThroughForm (page: Page, key: string, value: string): Promise<void> {
  await page.fill('#write input[name="key"]', key)
  await page.fill('#write input[name="value"]', value)
  await page.click('#write button[value="set"]')
}

/** Waits until the page's table shows `key` with `value`. */
export async function waitForRow (page: Page, key: string, value: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction(([k, v]) => {
    const row = Array.from(document.querySelectorAll<HTMLTableRowElement>('#entries tr[data-key]')).find((r) => r.dataset.key === k)
    return row?.querySelector('td.value')?.firstChild?.textContent === v
  }, [key, value], { timeout, polling: 'raf' })
}

export async function valueIn (page: Page, key: string): Promise<string | undefined> {
  return await page.evaluate((k) => window.roaringMesh.store.get(k), key)
}

export async function stateOf (page: Page): Promise<{ size: number, hash: string }> {
  return await page.evaluate(() => ({
    size: window.roaringMesh.store.size,
    hash: [...window.roaringMesh.store.stateHash()].map((b) => b.toString(16).padStart(2, '0')).join('')
  }))
}

/** Waits until every page has the same state hash as the first. */
export async function waitForConverged (pages: Page[], what: string, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (true) {
    const states = await Promise.all(pages.map(stateOf))
    if (states.every((s) => s.hash === states[0].hash)) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}: ${JSON.stringify(states)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function waitUntil (condition: () => Promise<boolean>, what: string, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
