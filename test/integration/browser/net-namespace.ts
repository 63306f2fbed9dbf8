import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { CHROMIUM, repoRoot } from './browser-fixture.ts'

/** How Node runs the project's .ts files (see notes/CONTEXT.md). */
const nodeArgs = ['--experimental-transform-types', '--disable-warning=ExperimentalWarning']

/** Runs until `proc` exits, or kills it after `ms`. */
export async function exited (proc: ChildProcess, ms: number): Promise<void> {
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
    return this.spawn(process.execPath, [...nodeArgs, join(repoRoot, file), ...args], { stdio: ['pipe', 'pipe', 'inherit'], cwd: repoRoot })
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
