import { MemStore, createMeshPeer, nodePreset, type MeshPeer, type MeshPeerOptions, type ReplicaStore, type LevelStore } from '../../src/index.ts'
import type { ComponentLogger, ConnectionGater, PeerId, PrivateKey } from '@libp2p/interface'

export interface TestPeer {
  peer: MeshPeer
  store: MemStore | LevelStore
  /** Peers this one refuses to dial or be dialled by (a partition). */
  blocked: Set<string>
}

/** A real peer on 127.0.0.1 over TCP, with short anti-entropy intervals so tests stay quick. */
export async function startPeer (options: MeshPeerOptions = {}, store: MemStore | LevelStore = new MemStore(), node: { logger?: ComponentLogger, privateKey?: PrivateKey, port?: number } = {}): Promise<TestPeer> {
  const blocked = new Set<string>()
  const gater: ConnectionGater = {
    denyDialPeer: (peer: PeerId) => blocked.has(peer.toString()),
    denyInboundEncryptedConnection: (peer: PeerId) => blocked.has(peer.toString())
  }
  const peer = await createMeshPeer({
    store,
    mesh: 'test',
    antiEntropy: { interval: 1500, jitter: 500, minTriggeredInterval: 200 },
    ...options,
    libp2p: { ...nodePreset({ listen: [`/ip4/127.0.0.1/tcp/${node.port ?? 0}`], connectionGater: gater, privateKey: node.privateKey }), logger: node.logger }
  })
  await peer.start()
  return { peer, store, blocked }
}

/** Dials as an app would, through the peer (bounded attempts, retried on failure). */
export async function connect (a: TestPeer, b: TestPeer): Promise<void> {
  await a.peer.dial(b.peer.libp2p.getMultiaddrs()[0], { timeout: 20_000 })
}

/** Cuts a and b apart: closes their connections and refuses new ones both ways. */
export async function partition (a: TestPeer, b: TestPeer): Promise<void> {
  a.blocked.add(b.peer.libp2p.peerId.toString())
  b.blocked.add(a.peer.libp2p.peerId.toString())
  await a.peer.libp2p.hangUp(b.peer.libp2p.peerId)
  await b.peer.libp2p.hangUp(a.peer.libp2p.peerId)
}

export function heal (a: TestPeer, b: TestPeer): void {
  a.blocked.delete(b.peer.libp2p.peerId.toString())
  b.blocked.delete(a.peer.libp2p.peerId.toString())
}

export async function stopAll (peers: TestPeer[]): Promise<void> {
  await Promise.all(peers.map(async ({ peer }) => { await peer.stop() }))
}

export async function waitFor (condition: () => boolean | Promise<boolean>, what: string, timeout = 20_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

export function hashOf (store: ReplicaStore): string {
  return Buffer.from(store.stateHash()).toString('hex')
}

/** Every store has the same state hash (and so the same entries). */
export function converged (peers: TestPeer[]): boolean {
  const first = hashOf(peers[0].store)
  return peers.every(({ store }) => hashOf(store) === first)
}

export function dump (store: ReplicaStore): string[] {
  return store.entries().map(([k, v]) => `${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`)
}

export function bytes (text: string): Uint8Array {
  return new TextEncoder().encode(text)
}
