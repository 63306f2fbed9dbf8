/**
 * A local network of network namespaces on this machine (see shared/LAN.md): a bridge in a
 * private namespace, and namespaces n1…nN plugged into it as 10.77.0.i/24. Daemons run inside
 * them (mDNS never leaves the private namespaces); the CLI and the test talk to them through
 * their control sockets, which are files and so reachable from outside the namespaces.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ControlClient } from '../../../src/cli/control-client.ts'
import { generateMeshKey } from '../../../src/index.ts'
import type { PeerStatus } from '../../../src/cli/control-protocol.ts'

export const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url))
/** The flags this test process runs TypeScript with, for the processes it starts. */
export const NODE_ARGS = process.execArgv.filter((arg) => !arg.startsWith('--test'))

export interface Exit { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

/** Runs the CLI (outside the namespaces) to completion. */
export function cli (args: string[], options: { input?: string, timeout?: number } = {}): Promise<Exit> {
  const child = spawn(process.execPath, [...NODE_ARGS, MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  return collect(child, options.input, options.timeout ?? 60_000)
}

function collect (child: ChildProcess, input: string | undefined, timeout: number): Promise<Exit> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk) => { stdout += String(chunk) })
  child.stderr?.on('data', (chunk) => { stderr += String(chunk) })
  child.stdin?.end(input)
  const timer = setTimeout(() => { child.kill('SIGKILL') }, timeout)
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

export async function waitFor (condition: () => boolean | Promise<boolean>, what: string, timeout = 60_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** The status of the peer on `dataDir`, or undefined while none answers. */
export async function peerStatus (dataDir: string): Promise<PeerStatus | undefined> {
  const client = await ControlClient.connect(join(dataDir, 'control.sock'), dataDir).catch(() => undefined)
  if (client == null) return undefined
  try {
    const response = await client.request({ op: 'status' })
    return response.ok ? response.status : undefined
  } catch {
    return undefined
  } finally {
    client.close()
  }
}

/** Whether every peer answers with the same state hash, connected to all the others. */
export async function converged (dataDirs: string[]): Promise<boolean> {
  const statuses = await Promise.all(dataDirs.map(peerStatus))
  return statuses.every((s) => s != null && s.stateHash === statuses[0]!.stateHash && s.peers.length >= dataDirs.length - 1)
}

/** A running `roaring-mesh peer`, its output as it comes. */
export class Daemon {
  readonly child: ChildProcess
  readonly dataDir: string
  stdout = ''
  stderr = ''
  readonly exited: Promise<Exit>

  constructor (child: ChildProcess, dataDir: string) {
    this.child = child
    this.dataDir = dataDir
    child.stdout?.on('data', (chunk) => { this.stdout += String(chunk) })
    child.stderr?.on('data', (chunk) => { this.stderr += String(chunk) })
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => { resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }) })
    })
  }

  get running (): boolean {
    return this.child.exitCode == null && this.child.signalCode == null
  }

  /** Resolves once the control socket answers. */
  async ready (timeout = 60_000): Promise<PeerStatus> {
    let status: PeerStatus | undefined
    await waitFor(async () => {
      if (!this.running) throw new Error(`the peer on ${this.dataDir} exited: ${this.stderr}`)
      status = await peerStatus(this.dataDir)
      return status != null && status.pid === this.child.pid
    }, `the peer on ${this.dataDir} to answer`, timeout)
    return status!
  }

  /** Stops with `signal` and resolves with how the process ended (SIGKILL after `timeout`). */
  async stop (signal: NodeJS.Signals = 'SIGTERM', timeout = 20_000): Promise<Exit> {
    if (this.running) this.child.kill(signal)
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, timeout)
    const exit = await this.exited
    clearTimeout(timer)
    return exit
  }
}

/** A bridge and `size` namespaces, each with a data directory; everything goes away in {@link destroy}. */
export class Lan {
  readonly size: number
  readonly root: string
  readonly #holder: ChildProcess
  readonly daemons = new Set<Daemon>()

  private constructor (size: number, root: string, holder: ChildProcess) {
    this.size = size
    this.root = root
    this.#holder = holder
  }

  static async create (size: number, config: Record<string, unknown> = {}): Promise<Lan> {
    const root = await mkdtemp(join(tmpdir(), 'rm-lan-'))
    // One private mesh: every device holds its key, as if it had joined with an invite.
    const meshKey = generateMeshKey()
    for (let i = 1; i <= size; i++) {
      await mkdir(join(root, `n${i}`), { mode: 0o700 })
      await writeFile(join(root, `n${i}`, 'mesh.key'), `${meshKey}\n`, { mode: 0o600 })
      await writeFile(join(root, `n${i}`, 'config.json'), JSON.stringify(config))
    }
    const plug = (i: number): string => [
      `ip netns add n${i}`, `ip link add v${i} type veth peer name e${i}`, `ip link set v${i} master br0`, `ip link set v${i} up`,
      `ip link set e${i} netns n${i}`, `ip netns exec n${i} ip link set lo up`, `ip netns exec n${i} ip addr add 10.77.0.${i}/24 dev e${i}`,
      `ip netns exec n${i} ip link set e${i} up`, `ip netns exec n${i} ip route add 224.0.0.0/4 dev e${i}`
    ].join(' && ')
    const script = [
      'set -e', 'mount -t tmpfs none /run', 'mkdir -p /run/netns',
      'ip link set lo up', 'ip link add br0 type bridge', 'ip link set br0 up',
      ...Array.from({ length: size }, (_, i) => plug(i + 1)),
      // The namespaces live as long as this shell: it ends when the test closes its stdin (or dies).
      'echo ready', 'exec cat > /dev/null'
    ].join('\n')
    const holder = spawn('unshare', ['-n', '-m', 'sh', '-c', script], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    holder.stderr.on('data', (chunk) => { err += String(chunk) })
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (chunk) => {
        out += String(chunk)
        if (out.includes('ready')) resolve()
      })
      holder.on('close', (code) => { reject(new Error(`could not make the namespaces (exit ${code}): ${err}`)) })
    })
    return new Lan(size, root, holder)
  }

  dataDir (i: number): string {
    return join(this.root, `n${i}`)
  }

  /** Starts `roaring-mesh peer` in namespace i on its data directory. */
  startDaemon (i: number, args: string[] = []): Daemon {
    const child = spawn('nsenter', ['-t', String(this.#holder.pid), '-m', '-n', 'ip', 'netns', 'exec', `n${i}`,
      process.execPath, ...NODE_ARGS, MAIN, 'peer', '--data', this.dataDir(i), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const daemon = new Daemon(child, this.dataDir(i))
    this.daemons.add(daemon)
    return daemon
  }

  /** Runs a command in the bridge's namespace. */
  async outside (command: string[]): Promise<void> {
    const exit = await collect(spawn('nsenter', ['-t', String(this.#holder.pid), '-n', ...command], { stdio: ['ignore', 'pipe', 'pipe'] }), undefined, 10_000)
    if (exit.code !== 0) throw new Error(`${command.join(' ')} failed: ${exit.stderr}`)
  }

  /** Cuts namespace i off the bridge (its port goes down), or plugs it back. */
  async partition (i: number): Promise<void> {
    await this.outside(['ip', 'link', 'set', `v${i}`, 'down'])
  }

  async heal (i: number): Promise<void> {
    await this.outside(['ip', 'link', 'set', `v${i}`, 'up'])
  }

  /** Stops every daemon still running, ends the namespaces and removes the data directories. */
  async destroy (): Promise<void> {
    await Promise.all([...this.daemons].map(async (daemon) => await daemon.stop('SIGKILL')))
    this.#holder.stdin?.end()
    const timer = setTimeout(() => { this.#holder.kill('SIGKILL') }, 5000)
    if (this.#holder.exitCode == null && this.#holder.signalCode == null) await new Promise((resolve) => this.#holder.on('close', resolve))
    clearTimeout(timer)
    await rm(this.root, { recursive: true, force: true })
  }
}
