// A mesh larger than the others at a size CI affords: 12 peers on 127.0.0.1 (one IP for all, as
// many tabs or devices behind one NAT), a sparse random graph, and a third of them stopped and
// restarted while the rest write. Speed is the benchmark's (`npm run bench -- --workload mesh`);
// this checks that nothing is lost and that the links come back without the app's help.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { converged, startPeer, stopAll, waitFor, type TestPeer } from './mesh-fixture.ts'
import type { PrivateKey } from '@libp2p/interface'

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n))
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

const PEERS = 12

interface Member { peer: TestPeer, privateKey: PrivateKey, port: number }

async function member (privateKey?: PrivateKey, port = 0, store?: TestPeer['store']): Promise<Member> {
  const key = privateKey ?? await generateKeyPair('Ed25519')
  // A target above any peer's degree: every lost link is redialled, whatever the random graph.
  const peer = await startPeer({ connections: { target: PEERS } }, store, { privateKey: key, port })
  return { peer, privateKey: key, port: Number(peer.peer.libp2p.getMultiaddrs()[0].toString().split('/')[4]) }
}

/** A ring plus two random links from each peer: who dials whom. */
function sparseLinks (n: number): Array<[number, number]> {
  const links: Array<[number, number]> = []
  const linked = (a: number, b: number): boolean => links.some(([x, y]) => (x === a && y === b) || (x === b && y === a))
  for (let i = 0; i < n; i++) links.push([i, (i + 1) % n])
  for (let i = 0; i < n; i++) {
    for (let added = 0, tries = 0; added < 2 && tries < 50; tries++) {
      const j = Math.floor(Math.random() * n)
      if (j !== i && !linked(i, j)) { links.push([i, j]); added++ }
    }
  }
  return links
}

describe('a sparse mesh of 12 peers on one IP', { timeout: 60_000 }, () => {
  const members: Member[] = []
  after(async () => { await stopAll(members.map((m) => m.peer)) })

  it('loses no write and no link while a third of the peers restart during writes', async () => {
    members.push(...await Promise.all(Array.from({ length: PEERS }, async () => await member())))
    const links = sparseLinks(PEERS)
    const dial = async (from: number, to: number): Promise<void> => {
      await members[from].peer.peer.dial(members[to].peer.peer.libp2p.getMultiaddrs()[0], { timeout: 10_000 })
    }
    await Promise.all(links.map(async ([from, to]) => { await dial(from, to) }))

    const written = new Map<string, string>()
    const churned = members.map((_, i) => i).filter((i) => i % 3 === 1)
    const writers = members.map((_, i) => i).filter((i) => i % 3 !== 1)
    let writing = true
    const writes = (async () => {
      while (writing) {
        for (const i of writers) {
          const key = random(16)
          const value = random(64)
          members[i].peer.store.set(key, value)
          written.set(hex(key), hex(value))
        }
        await sleep(20)
      }
    })()

    await sleep(500)
    await Promise.all(churned.map(async (i) => { await members[i].peer.peer.stop() }))
    await sleep(1000)
    for (const i of churned) {
      const { privateKey, port, peer } = members[i]
      members[i] = await member(privateKey, port, peer.store)
    }
    // A restarted peer dials only the links it made itself, as it would from a bootstrap list;
    // the links its neighbours made come back by their own redialling.
    await Promise.all(links.filter(([from]) => churned.includes(from)).map(async ([from, to]) => { await dial(from, to) }))
    await sleep(1500)
    writing = false
    await writes

    const peers = members.map((m) => m.peer)
    await waitFor(() => converged(peers), 'the mesh to converge after the churn', 30_000)
    for (const { store } of peers) {
      assert.equal(store.size, written.size)
      for (const [key, value] of written) assert.equal(hex(store.get(Buffer.from(key, 'hex'))!), value)
    }
    const down = (): Array<[number, number]> => links.filter(([from, to]) => members[from].peer.peer.libp2p.getConnections(members[to].peer.peer.libp2p.peerId).length === 0)
    await waitFor(() => down().length === 0, 'every link of the graph to be up again', 20_000)
  })
})
