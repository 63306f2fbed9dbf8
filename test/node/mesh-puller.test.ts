import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { MeshPuller } from '../../src/node/mesh-puller.ts'
import { gapRequest, nextReplicaId } from '../../src/node/gap-request.ts'
import { MemStore, type Op } from '../../src/index.ts'
import type { DiffSync } from '../../src/protocols/diff/diff-sync.ts'
import type { DiffRequest } from '../../src/store/diff.ts'

const neighbour = peerIdFromString('12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf')
const log = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as any

/** `count` writers' ops, seqs 1..3 each, one key per op. */
function writers (count: number): Array<{ id: string, ops: Op[] }> {
  return Array.from({ length: count }, (_, w) => {
    const writer = new MemStore()
    const ops = [1, 2, 3].map((seq) => writer.insertWithOp(Uint8Array.of(w, seq), Uint8Array.of(seq)))
    return { id: writer.replicaId, ops }
  })
}

/** A puller over `store` whose diff protocol records each request the store makes instead of sending it. */
function recordingPuller (store: MemStore): { puller: MeshPuller, requests: DiffRequest[] } {
  const requests: DiffRequest[] = []
  const diff = {
    pull: async (_peer: unknown, _mesh: string, pulling: { requestDiff: (o: { summary?: boolean }) => DiffRequest }, options: { summary?: boolean }) => {
      requests.push(pulling.requestDiff({ summary: options.summary }))
      return { frames: 0, entries: 0, bytesSent: 0, bytesReceived: 0, rounds: 1 }
    }
  } as unknown as DiffSync
  const puller = new MeshPuller({ mesh: 'm', store, diff: () => diff, log, synced: () => {}, failed: () => {}, rateLimited: () => {} })
  return { puller, requests }
}

describe('MeshPuller gap pulls', () => {
  it('asks only about the writer whose op is missing, and a responder sends only that op', async () => {
    const all = writers(4)
    const full = new MemStore()
    const store = new MemStore()
    for (const { ops } of all) { full.integrateOps(ops); store.integrateOps(ops) }
    // Our store lost the gap writer's seq 2; the others are whole.
    const gap = all[1]
    const lossy = new MemStore()
    for (const { id, ops } of all) lossy.integrateOps(id === gap.id ? [ops[0], ops[2]] : ops)
    const { puller, requests } = recordingPuller(lossy)

    puller.noteGaps(neighbour, [{ replica: gap.id, seq: 2 }])
    await puller.pull(neighbour, 'gap', new AbortController().signal)

    assert.equal(requests.length, 1)
    const [request] = requests
    assert.deepEqual(request.range, { from: gap.id, to: nextReplicaId(gap.id) })
    assert.deepEqual(request.replicas?.map((r) => r.replica), [gap.id])
    const diff = full.buildDiff(request)
    assert.deepEqual(diff.groups.map((g) => [g.replica, g.entries.map((e) => e.seq)]), [[gap.id, [2]]])
  })

  it('pulls nothing when gossip delivered the missing op while the pull waited', async () => {
    const [writer] = writers(1)
    const store = new MemStore()
    store.integrateOps([writer.ops[0], writer.ops[2]])
    const { puller, requests } = recordingPuller(store)
    puller.noteGaps(neighbour, [{ replica: writer.id, seq: 2 }])
    store.integrateOps([writer.ops[1]])
    await puller.pull(neighbour, 'gap', new AbortController().signal)
    assert.equal(requests.length, 0)
    assert.equal(puller.stats.gapPullsSkipped, 1)
  })

  it('asks about every writer when no gap was noted (a pull asked for by hand)', async () => {
    const store = new MemStore()
    for (const { ops } of writers(3)) store.integrateOps(ops)
    const { puller, requests } = recordingPuller(store)
    await puller.pull(neighbour, 'gap', new AbortController().signal)
    assert.equal(requests[0].range, undefined)
    assert.equal(requests[0].replicas?.length, 3)
  })

  it('asks about every writer when more missing ops were reported than it remembers', async () => {
    const [writer] = writers(1)
    const store = new MemStore()
    store.integrateOps([writer.ops[0], writer.ops[2]])
    const { puller, requests } = recordingPuller(store)
    puller.noteGaps(neighbour, Array.from({ length: 300 }, () => ({ replica: writer.id, seq: 2 })))
    await puller.pull(neighbour, 'gap', new AbortController().signal)
    assert.equal(requests[0].range, undefined)
  })

    it('forgets a peer\'s gaps when it leaves', async () => {
    const [writer] = writers(1)
    const store = new MemStore()
    store.integrateOps([writer.ops[0], writer.ops[2]])
    const { puller, requests } = recordingPuller(store)
    puller.noteGaps(neighbour, [{ replica: writer.id, seq: 2 }])
    puller.forget(neighbour)
    await puller.pull(neighbour, 'gap', new AbortController().signal)
    assert.equal(requests[0].range, undefined, 'a full request: nothing noted any more')
  })
})

describe('gapRequest', () => {
  it('spans the gap writers, keeps the summaries inside, and falls back when there are none', () => {
    const store = new MemStore()
    const all = writers(6)
    for (const { ops } of all) store.integrateOps(ops)
    const ids = all.map((w) => w.id).sort()
    const request = gapRequest(store.requestDiff({ summary: false }), [ids[4], ids[1]])!
    assert.deepEqual(request.range, { from: ids[1], to: nextReplicaId(ids[4]) })
    assert.deepEqual(request.replicas?.map((r) => r.replica).sort(), ids.slice(1, 5))
    assert.equal(gapRequest(store.requestDiff({ summary: false }), []), undefined)
    assert.equal(gapRequest(store.requestDiff({ summary: false, narrowDeaths: true }), [ids[0]])!.narrowDeaths, true, 'the request\'s other fields are kept')
  })

  it('has no upper bound above the highest id', () => {
    assert.equal(nextReplicaId('f'.repeat(32)), undefined)
    assert.equal(nextReplicaId('0'.repeat(31) + 'f'), '0'.repeat(30) + '10')
  })
})
