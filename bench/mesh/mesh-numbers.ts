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
  /** Where the burst's bytes went, per peer (medians). */
  breakdown: ByteBreakdown
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

/**
 * Where a peer's bytes went in the burst, each the median over peers of bytes ÷ the payload it
 * needed (so the parts of one direction need not add up exactly to its median total).
 */
export interface ByteBreakdown {
  received: { firstCopies: number, duplicates: number, gossipControl: number, pulls: number, other: number }
  sent: { copies: number, gossipControl: number, pulls: number, other: number }
  /** Median counts per peer: copies received of each message, and the control ids. */
  copiesPerMessage: number
  idontwantSent: number
  idontwantReceived: number
  ihaveReceived: number
  iwantSent: number
  /** Topic messages published in the burst, mesh-wide. */
  messagesPublished: number
  /** Pulls in the burst, mesh-wide, by why they ran: how many, and the diff bytes they brought ÷ one peer's payload. */
  pullsByReason: Record<string, { pulls: number, bytes: number }>
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

/** `burstOnly`: stop after the burst (the idle, late joiner and churn columns stay empty), to iterate on it faster. */
export async function measureMesh (peers: number, log: (line: string) => void = () => {}, options: { burstOnly?: boolean } = {}): Promise<MeshFigures> {
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
    const breakdown = breakdownOf(before, after, counts)
    const linksLostInBurst = await mesh.linksDown()
    const burst = {
      peers,
      convergedMs,
      sentMedian: median(perPeer.map((p) => p.sent)),
      receivedMedian: median(perPeer.map((p) => p.received)),
      trafficMedian: median(perPeer.map((p) => p.sent + p.received)),
      trafficMax: Math.max(...perPeer.map((p) => p.sent + p.received)),
      pullsMedian: median(perPeer.map((p) => p.pulls)),
      pullsMax: Math.max(...perPeer.map((p) => p.pulls)),
      breakdown,
      linksLostInBurst,
      cpuMsPerPeer: (after.cpuMicros - before.cpuMicros) / 1000 / peers,
      rssMBPerPeer: after.rss / 2 ** 20 / peers
    }
    if (options.burstOnly === true) {
      return { ...burst, idlePulls: NaN, idleBytes: NaN, lateJoinerMs: NaN, churnConvergedMs: NaN, linksLostInChurn: NaN, componentsAfterChurn: NaN }
    }

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
      ...burst,
      idlePulls: sumOf(idleEnd, (p) => p.diffRounds + p.diffFailures) - sumOf(idleStart, (p) => p.diffRounds + p.diffFailures),
      idleBytes: sumOf(idleEnd, (p) => p.sent) - sumOf(idleStart, (p) => p.sent),
      lateJoinerMs,
      churnConvergedMs,
      linksLostInChurn,
      componentsAfterChurn
    }
  } finally {
    await mesh.close()
  }
}

function breakdownOf (before: MeshStats, after: MeshStats, counts: number[]): ByteBreakdown {
  const rows = after.peers.map((p, i) => {
    const b = before.peers[i]
    const needed = (WRITES - counts[i]) * ENTRY_BYTES
    const g = p.gossip
    const h = b.gossip
    const copiesIn = g.received.copies - h.received.copies
    const duplicates = g.duplicates - h.duplicates
    const duplicateBytes = g.duplicateBytes - h.duplicateBytes
    const copyBytesIn = g.received.copyBytes - h.received.copyBytes
    const controlIn = g.received.controlBytes - h.received.controlBytes
    const pullsIn = p.diffPulledBytes - b.diffPulledBytes
    const copyBytesOut = g.sent.copyBytes - h.sent.copyBytes
    const controlOut = g.sent.controlBytes - h.sent.controlBytes
    const pullsOut = (p.diffServedBytes - b.diffServedBytes) + (p.diffRequestBytes - b.diffRequestBytes)
    return {
      received: {
        firstCopies: (copyBytesIn - duplicateBytes) / needed,
        duplicates: duplicateBytes / needed,
        gossipControl: controlIn / needed,
        pulls: pullsIn / needed,
        other: ((p.received - b.received) - copyBytesIn - controlIn - pullsIn) / needed
      },
      sent: {
        copies: copyBytesOut / needed,
        gossipControl: controlOut / needed,
        pulls: pullsOut / needed,
        other: ((p.sent - b.sent) - copyBytesOut - controlOut - pullsOut) / needed
      },
      copiesPerMessage: copiesIn / Math.max(1, copiesIn - duplicates),
      idontwantSent: g.sent.idontwantIds - h.sent.idontwantIds,
      idontwantReceived: g.received.idontwantIds - h.received.idontwantIds,
      ihaveReceived: g.received.ihaveIds - h.received.ihaveIds,
      iwantSent: g.sent.iwantIds - h.sent.iwantIds,
      published: p.messagesSent - b.messagesSent
    }
  })
  const m = (pick: (r: typeof rows[number]) => number): number => median(rows.map(pick))
  return {
    received: {
      firstCopies: m((r) => r.received.firstCopies),
      duplicates: m((r) => r.received.duplicates),
      gossipControl: m((r) => r.received.gossipControl),
      pulls: m((r) => r.received.pulls),
      other: m((r) => r.received.other)
    },
    sent: { copies: m((r) => r.sent.copies), gossipControl: m((r) => r.sent.gossipControl), pulls: m((r) => r.sent.pulls), other: m((r) => r.sent.other) },
    copiesPerMessage: m((r) => r.copiesPerMessage),
    idontwantSent: m((r) => r.idontwantSent),
    idontwantReceived: m((r) => r.idontwantReceived),
    ihaveReceived: m((r) => r.ihaveReceived),
    iwantSent: m((r) => r.iwantSent),
    messagesPublished: rows.reduce((sum, r) => sum + r.published, 0),
    pullsByReason: pullsByReasonOf(before, after, (WRITES - counts[0]) * ENTRY_BYTES)
  }
}

function pullsByReasonOf (before: MeshStats, after: MeshStats, needed: number): Record<string, { pulls: number, bytes: number }> {
  const out: Record<string, { pulls: number, bytes: number }> = {}
  after.peers.forEach((p, i) => {
    for (const [reason, { pulls, bytes }] of Object.entries(p.pullsByReason)) {
      const b = before.peers[i].pullsByReason[reason] ?? { pulls: 0, bytes: 0 }
      const entry = out[reason] ??= { pulls: 0, bytes: 0 }
      entry.pulls += pulls - b.pulls
      entry.bytes += (bytes - b.bytes) / needed
    }
  })
  return out
}

const x = (ratio: number): string => `${ratio.toFixed(2)}×`

const BREAKDOWN_COLUMNS: Array<[string, (f: MeshFigures) => string]> = [
  ['peers', (f) => String(f.peers)],
  ['received: first copies / duplicate copies / gossip control / pulls / other (noise, yamux, framing)', ({ breakdown: { received: r } }) => [r.firstCopies, r.duplicates, r.gossipControl, r.pulls, r.other].map(x).join(' / ')],
  ['sent: copies / gossip control / pulls (served and asked) / other', ({ breakdown: { sent: s } }) => [s.copies, s.gossipControl, s.pulls, s.other].map(x).join(' / ')],
  ['copies received per message', (f) => f.breakdown.copiesPerMessage.toFixed(2)],
  ['IDONTWANT ids sent / received', (f) => `${f.breakdown.idontwantSent} / ${f.breakdown.idontwantReceived}`],
  ['IHAVE ids received / IWANT ids sent', (f) => `${f.breakdown.ihaveReceived} / ${f.breakdown.iwantSent}`],
  ['topic messages published, mesh-wide', (f) => String(f.breakdown.messagesPublished)],
  ['pulls mesh-wide by reason: count (diff bytes ÷ one peer\'s payload)', (f) => Object.entries(f.breakdown.pullsByReason).map(([reason, { pulls, bytes }]) => `${reason} ${pulls} (${bytes.toFixed(1)}×)`).join(', ')]
]

/** Where the burst's bytes went, per peer (median ÷ the payload it needed). */
export function renderBreakdownTable (rows: MeshFigures[]): string {
  return [
    `| ${BREAKDOWN_COLUMNS.map(([name]) => name).join(' | ')} |`,
    `| ${BREAKDOWN_COLUMNS.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${BREAKDOWN_COLUMNS.map(([, cell]) => cell(row)).join(' | ')} |`)
  ].join('\n')
}

/** A cell of a phase that was not measured (`burstOnly`) is a dash. */
const measured = (value: number, cell: () => string): string => Number.isNaN(value) ? '–' : cell()

const COLUMNS: Array<[string, (f: MeshFigures) => string]> = [
  ['peers', (f) => String(f.peers)],
  ['converged after the last of 10,000 writes', (f) => f.convergedMs < 0 ? 'not in 120 s' : `${(f.convergedMs / 1000).toFixed(1)} s`],
  ['sent / received ÷ payload needed (median)', (f) => `${f.sentMedian.toFixed(1)}× / ${f.receivedMedian.toFixed(1)}×`],
  ['sent + received ÷ payload (median / max)', (f) => `${f.trafficMedian.toFixed(1)}× / ${f.trafficMax.toFixed(1)}×`],
  ['pulls per peer (median / max)', (f) => `${f.pullsMedian} / ${f.pullsMax}`],
  ['links lost in the burst', (f) => String(f.linksLostInBurst)],
  ['idle 10 s, mesh-wide', (f) => measured(f.idlePulls, () => `${f.idlePulls} pulls, ${(f.idleBytes / 1000).toFixed(0)} KB`)],
  ['CPU / RSS per peer (burst)', (f) => `${f.cpuMsPerPeer.toFixed(0)} ms / ${f.rssMBPerPeer.toFixed(0)} MB`],
  ['late joiner, 100,000 entries', (f) => Number.isNaN(f.lateJoinerMs) ? '–' : f.lateJoinerMs < 0 ? 'not in 120 s' : `${(f.lateJoinerMs / 1000).toFixed(1)} s`],
  ['churn: converged after the last write / links still down / parts', (f) => Number.isNaN(f.churnConvergedMs) ? '–' : `${f.churnConvergedMs < 0 ? 'not in 120 s' : `${(f.churnConvergedMs / 1000).toFixed(1)} s`} / ${f.linksLostInChurn} / ${f.componentsAfterChurn}`]
]

export function renderMeshTable (rows: MeshFigures[]): string {
  return [
    `| ${COLUMNS.map(([name]) => name).join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${COLUMNS.map(([, cell]) => cell(row)).join(' | ')} |`)
  ].join('\n')
}
