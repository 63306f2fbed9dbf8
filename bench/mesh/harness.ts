// A benchmark mesh of real peers spread over child processes (two by default, so both cores
// work), wired as a sparse random graph, with writes, state and counters reached over IPC.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { HostCommand, HostStats, PeerFigures, PeerState } from './peer-host.ts'
import type { MeshPeerOptions } from '../../src/index.ts'
import type { PeerBytes } from './socket-bytes.ts'

const HOST = fileURLToPath(new URL('./peer-host.ts', import.meta.url))

class Host {
  readonly #child: ChildProcess
  readonly #waiting = new Map<number, { resolve: (value: any) => void, reject: (err: Error) => void }>()
  #next = 0

  constructor (child: ChildProcess) {
    this.#child = child
    child.on('message', (message: { id?: number, result?: unknown, error?: string }) => {
      if (message.id == null) return
      const waiter = this.#waiting.get(message.id)
      this.#waiting.delete(message.id)
      if (message.error != null) waiter?.reject(new Error(message.error))
      else waiter?.resolve(message.result)
    })
    child.on('exit', () => {
      for (const waiter of this.#waiting.values()) waiter.reject(new Error('peer host exited'))
    })
  }

  static async spawn (): Promise<Host> {
    const flags = process.execArgv.filter((flag) => flag.startsWith('--experimental') || flag.startsWith('--disable-warning'))
    const child = fork(HOST, [], { execArgv: [...flags, '--max-old-space-size=8192'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => { resolve() })
      child.once('exit', (code) => { reject(new Error(`peer host exited with ${code}`)) })
    })
    return new Host(child)
  }

  async call<T> (command: HostCommand): Promise<T> {
    const id = this.#next++
    return await new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      this.#child.send({ id, command })
    })
  }

  kill (): void {
    this.#child.kill('SIGKILL')
  }
}

export interface MeshStats {
  peers: Array<PeerFigures & PeerBytes>
  /** CPU time and resident memory of all hosts, summed. */
  cpuMicros: number
  rss: number
}

/** A link the topology asked for: `from` dials `to`. */
export interface Link { from: number, to: number }

export class MeshHarness {
  readonly #hosts: Host[]
  readonly #addresses = new Map<number, string>()
  readonly #ids = new Map<number, string>()
  links: Link[] = []

  private constructor (hosts: Host[]) {
    this.#hosts = hosts
  }

  static async open (hosts = 2): Promise<MeshHarness> {
    return new MeshHarness(await Promise.all(Array.from({ length: hosts }, Host.spawn)))
  }

  #host (index: number): Host {
    return this.#hosts[index % this.#hosts.length]
  }

  get size (): number {
    return this.#addresses.size
  }

  idOf (index: number): string {
    return this.#ids.get(index)!
  }

  /** Starts (or restarts, with its identity, port and store) the peer `index`. */
  async start (index: number, options: { seed?: number, peer?: MeshPeerOptions } = {}): Promise<void> {
    const { peerId, address } = await this.#host(index).call<{ peerId: string, address: string }>({ cmd: 'start', index, seed: options.seed, options: options.peer })
    this.#addresses.set(index, address)
    this.#ids.set(index, peerId)
  }

  async stop (index: number): Promise<void> {
    await this.#host(index).call({ cmd: 'stop', index })
  }

  /** True if the dial succeeded. */
  async dial (from: number, to: number): Promise<boolean> {
    return await this.#host(from).call<boolean>({ cmd: 'dial', index: from, address: this.#addresses.get(to)! })
  }

  /** A ring plus `extra` random dials from each peer: degree about 2 + 2 × extra. */
  async connectSparse (extra = 3): Promise<void> {
    const n = this.size
    const links: Link[] = []
    const has = (a: number, b: number): boolean => links.some((l) => (l.from === a && l.to === b) || (l.from === b && l.to === a))
    for (let i = 0; i < n; i++) links.push({ from: i, to: (i + 1) % n })
    for (let i = 0; i < n; i++) {
      for (let k = 0, tries = 0; k < extra && tries < 100; tries++) {
        const j = Math.floor(Math.random() * n)
        if (j === i || has(i, j)) continue
        links.push({ from: i, to: j })
        k++
      }
    }
    this.links = links
    // A few dials at a time, so that setting up does not itself stall the event loops; a dial
    // refused (libp2p limits inbound connections per IP and second) is tried again, as an app would.
    let pending = links
    for (let attempt = 0; attempt < 5 && pending.length > 0; attempt++) {
      const failed: Link[] = []
      for (let start = 0; start < pending.length; start += 20) {
        await Promise.all(pending.slice(start, start + 20).map(async (link) => { if (!await this.dial(link.from, link.to)) failed.push(link) }))
      }
      pending = failed
      if (failed.length > 0) await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    this.setupFailures = pending.length
  }

  /** Links of the topology that could not be made at all. */
  setupFailures = 0

  /** Random sets: `counts[i]` on peer i, all hosts writing at once. Resolves when the last is written. */
  async write (counts: number[]): Promise<void> {
    await Promise.all(this.#hosts.map(async (host, h) => {
      const mine: Record<number, number> = {}
      counts.forEach((count, index) => { if (index % this.#hosts.length === h && count > 0) mine[index] = count })
      await host.call({ cmd: 'write', counts: mine })
    }))
  }

  /** `count` sets at `perSecond` in all, spread over the running peers of `indices`. */
  async steady (indices: number[], count: number, perSecond: number): Promise<void> {
    await Promise.all(this.#hosts.map(async (host, h) => {
      const mine = indices.filter((index) => index % this.#hosts.length === h)
      const share = Math.round(count * mine.length / indices.length)
      if (share > 0) await host.call({ cmd: 'steady', indices: mine, count: share, perSecond: perSecond * mine.length / indices.length })
    }))
  }

  async state (): Promise<PeerState[]> {
    return (await Promise.all(this.#hosts.map(async (host) => await host.call<PeerState[]>({ cmd: 'state' })))).flat()
  }

  /**
   * Waits until every running peer (or only `only`) holds `size` entries, all with one state
   * hash; the ms it took, or -1 at the timeout.
   */
  async converged (size: number, timeout = 120_000, only?: number): Promise<number> {
    const started = performance.now()
    while (performance.now() - started < timeout) {
      const states = (await this.state()).filter((s) => s.running && (only == null || s.index === only))
      if (states.every((s) => s.size === size && s.hash === states[0].hash)) return performance.now() - started
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return -1
  }

  async stats (): Promise<MeshStats> {
    const hosts = await Promise.all(this.#hosts.map(async (host) => await host.call<HostStats>({ cmd: 'stats' })))
    const bytes = new Map<string, PeerBytes>()
    for (const host of hosts) {
      for (const [peer, b] of Object.entries(host.bytes)) {
        const sum = bytes.get(peer) ?? { sent: 0, received: 0 }
        bytes.set(peer, { sent: sum.sent + b.sent, received: sum.received + b.received })
      }
    }
    return {
      peers: hosts.flatMap((h) => h.peers).sort((a, b) => a.index - b.index).map((p) => ({ ...p, ...(bytes.get(p.peerId) ?? { sent: 0, received: 0 }) })),
      cpuMicros: hosts.reduce((sum, h) => sum + h.cpuMicros, 0),
      rss: hosts.reduce((sum, h) => sum + h.rss, 0)
    }
  }

  /** Links of the topology with no connection between their ends now. */
  async linksDown (): Promise<number> {
    const { peers } = await this.stats()
    const byIndex = new Map(peers.map((p) => [p.index, p]))
    return this.links.filter(({ from, to }) => !byIndex.get(from)!.connections.includes(this.idOf(to))).length
  }

  /** Groups of running peers connected among themselves: 1 when the mesh is whole. */
  async components (): Promise<number> {
    const { peers } = await this.stats()
    const running = peers.filter((p) => p.running)
    const byId = new Map(running.map((p) => [p.peerId, p]))
    const seen = new Set<string>()
    let groups = 0
    for (const start of running) {
      if (seen.has(start.peerId)) continue
      groups++
      const queue = [start.peerId]
      seen.add(start.peerId)
      while (queue.length > 0) {
        for (const next of byId.get(queue.pop()!)!.connections) {
          if (byId.has(next) && !seen.has(next)) { seen.add(next); queue.push(next) }
        }
      }
    }
    return groups
  }

  async close (): Promise<void> {
    await Promise.all(this.#hosts.map(async (host) => {
      await Promise.race([host.call({ cmd: 'exit' }).catch(() => {}), new Promise((resolve) => setTimeout(resolve, 10_000))])
      host.kill()
    }))
  }
}
