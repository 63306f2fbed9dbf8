// The `mesh` workload (issue 18): N stock peers over two processes in a sparse random graph.
// One run measures, in order: a burst of random sets spread over every peer, the idle mesh,
// a late joiner, and churn (a third of the peers stopped and restarted while the others write).
import { MeshHarness, type MeshStats } from './harness.ts'
import { ENTRY_BYTES } from '../workload.ts'

export interface MeshFigures {
  peers: number
  /** ms from the last write of the burst until every peer holds the same state (-1: not in 120 s). */
  convergedMs: number
  /** Per peer, bytes on its sockets over the payload it needed (the entries others wrote): median and max. */
  sentMedian: number
  receivedMedian: number
  trafficMedian: number
  trafficMax: number
  pullsMedian: number
  pullsMax: number
  /** Topology links with no connection once the burst converged. */
  linksLostInBurst: number
  idlePulls: number
  idleBytes: number
  cpuMsPerPeer: number
  rssMBPerPeer: number
  /** ms from the late joiner's first dial until it holds every entry. */
  lateJoinerMs: number
  churnConvergedMs: number
  /** Topology links still down 15 s after the churn converged (a peer with `target` connections or more does not redial). */
  linksLostInChurn: number
  /** Groups of peers connected among themselves then: 1 when the mesh is whole. */
  componentsAfterChurn: number
}

const WRITES = 10_000
/** Entries every peer holds before the burst, so that the mesh holds 100,000 when the late joiner comes. */
const SEEDED = 90_000
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const sumOf = (stats: MeshStats, pick: (p: MeshStats['peers'][number]) => number): number => stats.peers.reduce((sum, p) => sum + pick(p), 0)

export async function measureMesh (peers: number, log: (line: string) => void = () => {}): Promise<MeshFigures> {
  const mesh = await MeshHarness.open()
  try {
    // A few peers at a time: a start is a key pair, a listener and 90,000 integrated entries.
    for (let start = 0; start < peers; start += 10) {
      await Promise.all(Array.from({ length: Math.min(10, peers - start) }, async (_, i) => { await mesh.start(start + i, { seed: SEEDED }) }))
    }
    await mesh.connectSparse()
    // Gossipsub forms its mesh on its heartbeat (1 s).
    await sleep(3000)
    log(`mesh of ${peers} up, ${mesh.links.length} links (${mesh.setupFailures} could not be made)`)

    // The burst.
    const counts = Array.from({ length: peers }, (_, i) => Math.floor(WRITES / peers) + (i < WRITES % peers ? 1 : 0))
    const before = await mesh.stats()
    await mesh.write(counts)
    let total = SEEDED + WRITES
    const convergedMs = await mesh.converged(total)
    const after = await mesh.stats()
    log(`burst converged after ${convergedMs.toFixed(0)} ms`)
    const perPeer = after.peers.map((p, i) => {
      const b = before.peers[i]
      const needed = (WRITES - counts[i]) * ENTRY_BYTES
      return { sent: (p.sent - b.sent) / needed, received: (p.received - b.received) / needed, pulls: p.diffRounds - b.diffRounds }
    })
    const linksLostInBurst = await mesh.linksDown()

    // Idle: what a mesh that agrees sends in 10 s, once the burst's tail has settled.
    await sleep(2000)
    const idleStart = await mesh.stats()
    await sleep(10_000)
    const idleEnd = await mesh.stats()

    // A late joiner: an empty peer dials four of the mesh and pulls its 100,000 entries.
    const joiner = peers
    await mesh.start(joiner)
    const joinStarted = performance.now()
    await Promise.all([0, 1, 2, 3].map(async (k) => { await mesh.dial(joiner, Math.floor(k * peers / 4)) }))
    const joined = await mesh.converged(total, 60_000, joiner)
    const lateJoinerMs = joined < 0 ? -1 : performance.now() - joinStarted
    log(`late joiner converged after ${lateJoinerMs.toFixed(0)} ms`)

    // Churn: the other two thirds write 3,000 sets at 1,000/s while a third stop and come back,
    // each redialling only the links it made itself (its bootstrap list).
    const churned = Array.from({ length: peers }, (_, i) => i).filter((i) => i % 3 === 1)
    const writers = Array.from({ length: peers }, (_, i) => i).filter((i) => i % 3 !== 1)
    const writing = mesh.steady(writers, 3000, 1000)
    await sleep(500)
    await Promise.all(churned.map(async (i) => { await mesh.stop(i) }))
    await sleep(1000)
    for (const i of churned) await mesh.start(i)
    await Promise.all(mesh.links.filter((l) => churned.includes(l.from)).map(async (l) => { await mesh.dial(l.from, l.to) }))
    await writing
    total += 3000
    const churnConvergedMs = await mesh.converged(total)
    log(`churn converged after ${churnConvergedMs.toFixed(0)} ms`)
    let linksLostInChurn = await mesh.linksDown()
    for (let waited = 0; linksLostInChurn > 0 && waited < 15_000; waited += 1000) {
      await sleep(1000)
      linksLostInChurn = await mesh.linksDown()
    }

    const componentsAfterChurn = await mesh.components()
    return {
      peers,
      convergedMs,
      sentMedian: median(perPeer.map((p) => p.sent)),
      receivedMedian: median(perPeer.map((p) => p.received)),
      trafficMedian: median(perPeer.map((p) => p.sent + p.received)),
      trafficMax: Math.max(...perPeer.map((p) => p.sent + p.received)),
      pullsMedian: median(perPeer.map((p) => p.pulls)),
      pullsMax: Math.max(...perPeer.map((p) => p.pulls)),
      linksLostInBurst,
      idlePulls: sumOf(idleEnd, (p) => p.diffRounds + p.diffFailures) - sumOf(idleStart, (p) => p.diffRounds + p.diffFailures),
      idleBytes: sumOf(idleEnd, (p) => p.sent) - sumOf(idleStart, (p) => p.sent),
      cpuMsPerPeer: (after.cpuMicros - before.cpuMicros) / 1000 / peers,
      rssMBPerPeer: after.rss / 2 ** 20 / peers,
      lateJoinerMs,
      churnConvergedMs,
      linksLostInChurn,
      componentsAfterChurn
    }
  } finally {
    await mesh.close()
  }
}

const COLUMNS: Array<[string, (f: MeshFigures) => string]> = [
  ['peers', (f) => String(f.peers)],
  ['converged after the last of 10,000 writes', (f) => f.convergedMs < 0 ? 'not in 120 s' : `${(f.convergedMs / 1000).toFixed(1)} s`],
  ['sent / received ÷ payload needed (median)', (f) => `${f.sentMedian.toFixed(1)}× / ${f.receivedMedian.toFixed(1)}×`],
  ['sent + received ÷ payload (median / max)', (f) => `${f.trafficMedian.toFixed(1)}× / ${f.trafficMax.toFixed(1)}×`],
  ['pulls per peer (median / max)', (f) => `${f.pullsMedian} / ${f.pullsMax}`],
  ['links lost in the burst', (f) => String(f.linksLostInBurst)],
  ['idle 10 s, mesh-wide', (f) => `${f.idlePulls} pulls, ${(f.idleBytes / 1000).toFixed(0)} KB`],
  ['CPU / RSS per peer (burst)', (f) => `${f.cpuMsPerPeer.toFixed(0)} ms / ${f.rssMBPerPeer.toFixed(0)} MB`],
  ['late joiner, 100,000 entries', (f) => f.lateJoinerMs < 0 ? 'not in 120 s' : `${(f.lateJoinerMs / 1000).toFixed(1)} s`],
  ['churn: converged after the last write / links still down / parts', (f) => `${f.churnConvergedMs < 0 ? 'not in 120 s' : `${(f.churnConvergedMs / 1000).toFixed(1)} s`} / ${f.linksLostInChurn} / ${f.componentsAfterChurn}`]
]

export function renderMeshTable (rows: MeshFigures[]): string {
  return [
    `| ${COLUMNS.map(([name]) => name).join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${COLUMNS.map(([, cell]) => cell(row)).join(' | ')} |`)
  ].join('\n')
}
