// A child process that runs some of a benchmark mesh's peers, driven over IPC by MeshHarness:
// stock peers (createMeshPeer + nodePreset, TCP on 127.0.0.1, mDNS off), each keeping its
// identity, port and store across a stop and restart, with its sockets' bytes counted.
import { bytesByPeer, countBytesOf } from './socket-bytes.ts'
import { countGossip, emptyGossipCounts, type GossipCounts } from './gossip-counts.ts'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { MemStore, WriterKey, createMeshPeer, nodePreset, type MeshPeer, type MeshPeerOptions } from '../../src/index.ts'
import { KEY_BYTES, VALUE_BYTES, createRng, randomBytes } from '../workload.ts'
import type { Op } from '../../src/store/types.ts'
import type { PrivateKey } from '@libp2p/interface'

interface Slot {
  store: MemStore
  privateKey: PrivateKey
  port: number
  peer?: MeshPeer
  /** Kept across restarts, like the socket bytes. */
  gossip: GossipCounts
  /** Pulls and the diff bytes they received, by why they ran. */
  pullsByReason: Record<string, { pulls: number, bytes: number }>
}

export type HostCommand =
  | { cmd: 'start', index: number, seed?: number, options?: MeshPeerOptions }
  | { cmd: 'stop', index: number }
  | { cmd: 'dial', index: number, address: string }
  | { cmd: 'write', counts: Record<number, number> }
  | { cmd: 'steady', indices: number[], count: number, perSecond: number }
  | { cmd: 'state' }
  | { cmd: 'stats' }
  | { cmd: 'exit' }

export interface PeerState { index: number, running: boolean, size: number, hash: string }
export interface PeerFigures {
  index: number
  peerId: string
  running: boolean
  diffRounds: number
  diffFailures: number
  diffBytes: number
  /** Pull bytes: requests this peer sent and diffs it received; diffs it served. */
  /** Topic messages this peer published. */
  messagesSent: number
  diffRequestBytes: number
  diffPulledBytes: number
  diffServedBytes: number
  gossip: GossipCounts
  pullsByReason: Record<string, { pulls: number, bytes: number }>
  /** Peers this one has a connection to now. */
  connections: string[]
}
export interface HostStats { peers: PeerFigures[], bytes: ReturnType<typeof bytesByPeer>, cpuMicros: number, rss: number }

const slots = new Map<number, Slot>()
const rng = createRng(process.pid)
let seedOps: Op[] | undefined

/** The same `count` entries on every host: one writer id, one clock, one random sequence. */
function seedOf (count: number): Op[] {
  if (seedOps?.length === count) return seedOps
  const seed = new MemStore('seed', { writer: WriterKey.fromSecretSync(new Uint8Array(32).fill(0xff), new Uint8Array(16).fill(0xff)), clock: { now: () => 1_700_000_000_000 } })
  const seedRng = createRng(42)
  seed.begin()
  for (let i = 0; i < count; i++) seed.set(randomBytes(seedRng, KEY_BYTES), randomBytes(seedRng, VALUE_BYTES))
  seedOps = seed.commitWithOps()
  return seedOps
}

async function start (index: number, seed = 0, options: MeshPeerOptions = {}): Promise<{ peerId: string, address: string }> {
  let slot = slots.get(index)
  if (slot == null) {
    const store = new MemStore(`p${index}`)
    if (seed > 0) store.integrateOps(seedOf(seed))
    slot = { store, privateKey: await generateKeyPair('Ed25519'), port: 0, gossip: emptyGossipCounts(), pullsByReason: {} }
    slots.set(index, slot)
  }
  const peer = await createMeshPeer({
    store: slot.store,
    mesh: 'bench',
    ...options,
    libp2p: nodePreset({ listen: [`/ip4/127.0.0.1/tcp/${slot.port}`], privateKey: slot.privateKey })
  })
  await peer.start()
  slot.peer = peer
  const address = peer.libp2p.getMultiaddrs()[0]
  slot.port = Number(address.toString().split('/')[4])
  countBytesOf(peer.libp2p)
  countGossip(peer.libp2p.services.pubsub, slot.gossip)
  const byReason = slot.pullsByReason
  peer.addEventListener('sync', ({ detail }) => {
    const entry = byReason[detail.reason] ??= { pulls: 0, bytes: 0 }
    entry.pulls++
    entry.bytes += detail.result.bytesReceived
  })
  return { peerId: peer.libp2p.peerId.toString(), address: address.toString() }
}

const yieldToNetwork = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

/** Random sets, round robin over this host's peers, yielding now and then as an app's loop would. */
async function write (counts: Record<number, number>): Promise<void> {
  const left = new Map(Object.entries(counts).map(([index, count]) => [Number(index), count]))
  let written = 0
  while (left.size > 0) {
    for (const [index, count] of left) {
      const store = slots.get(index)!.store
      store.set(randomBytes(rng, KEY_BYTES), randomBytes(rng, VALUE_BYTES))
      if (count === 1) left.delete(index)
      else left.set(index, count - 1)
      if (++written % 100 === 0) await yieldToNetwork()
    }
  }
}

/** `count` sets at `perSecond`, each on a random running peer of `indices`. */
async function steady (indices: number[], count: number, perSecond: number): Promise<number> {
  const started = performance.now()
  let done = 0
  while (done < count) {
    const due = Math.min(count, Math.floor((performance.now() - started) * perSecond / 1000) + 1)
    for (; done < due; done++) {
      const running = indices.filter((i) => slots.get(i)?.peer?.isStarted() === true)
      const index = running[Math.floor(Math.random() * running.length)]
      slots.get(index)!.store.set(randomBytes(rng, KEY_BYTES), randomBytes(rng, VALUE_BYTES))
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return done
}

function stats (): HostStats {
  const peers = [...slots.entries()].map(([index, { peer, gossip, pullsByReason }]): PeerFigures => {
    const s = peer?.stats()
    const running = peer?.isStarted() === true
    return {
      index,
      peerId: peer?.libp2p.peerId.toString() ?? '',
      running,
      diffRounds: s?.diffRounds ?? 0,
      diffFailures: s?.diffFailures ?? 0,
      diffBytes: (s?.diffBytesSent ?? 0) + (s?.diffBytesReceived ?? 0),
      messagesSent: s?.messagesSent ?? 0,
      diffRequestBytes: s?.diffBytesSent ?? 0,
      diffPulledBytes: s?.diffBytesReceived ?? 0,
      diffServedBytes: running ? peer!.libp2p.services.diffSync?.stats().servedBytes ?? 0 : 0,
      gossip,
      pullsByReason,
      connections: running ? peer!.libp2p.getConnections().map((c) => c.remotePeer.toString()) : []
    }
  })
  const cpu = process.cpuUsage()
  return { peers, bytes: bytesByPeer(), cpuMicros: cpu.user + cpu.system, rss: process.memoryUsage().rss }
}

async function run (command: HostCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'start': return await start(command.index, command.seed, command.options)
    case 'stop': await slots.get(command.index)?.peer?.stop(); return null
    case 'dial': {
      const peer = slots.get(command.index)?.peer
      // A dial that fails is a figure (links down), not an error of the harness.
      return await peer?.libp2p.dial(multiaddr(command.address), { signal: AbortSignal.timeout(20_000) }).then(() => true, () => false)
    }
    case 'write': await write(command.counts); return null
    case 'steady': return await steady(command.indices, command.count, command.perSecond)
    case 'state': return [...slots.entries()].map(([index, { store, peer }]): PeerState => ({
      index, running: peer?.isStarted() === true, size: store.size, hash: Buffer.from(store.stateHash()).toString('hex')
    }))
    case 'stats': return stats()
    case 'exit':
      await Promise.all([...slots.values()].map(async ({ peer }) => { await peer?.stop() }))
      setImmediate(() => process.exit(0))
      return null
  }
}

process.on('message', (message: { id: number, command: HostCommand }) => {
  run(message.command).then(
    (result) => process.send!({ id: message.id, result }),
    (err: Error) => process.send!({ id: message.id, error: err.stack ?? err.message })
  )
})
// Peers die with the harness, however it ends.
process.on('disconnect', () => process.exit(0))
process.send!({ ready: true })
