import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import fc from 'fast-check'
import {
  ClockSet, ForeignDotError, ForeignDotEvent, MAX_SEQ, MemStore, SeqLimitError, decodeDiff, decodeDiffRequest, decodeOps,
  encodeDiff, encodeDiffRequestPages, encodeOps, type Diff, type Op, type ReplicaStore
} from '../../src/index.ts'
import { LevelFixture } from './level-fixture.ts'
import type { StoreRestorer } from '../../src/store/store-persistence.ts'
import { bytes, dump, pull } from './sync-fixture.ts'

const key = (s: string): Uint8Array => new TextEncoder().encode(s)
const madeUp = (i: number): string => i.toString(16).padStart(32, '0')

/** A store whose seen sets are filled directly, as a reopened store's are: the seen digest alone, under test. */
class SeenOnly extends MemStore {
  readonly #restorer: StoreRestorer

  constructor (name: string) {
    let restorer: StoreRestorer | undefined
    super(name, { persistence: (access) => { restorer = access.restorer; return { committed: () => {}, publish: (emit) => { emit() } } } })
    this.#restorer = restorer!
  }

  see (writer: string, seqs: ClockSet): void {
    this.#restorer.restoreSeen(writer, seqs)
    seqs.dispose()
  }
}

/** A store with a few writes of its own, its next seq known. */
function victimStore (): ReplicaStore {
  const store = new MemStore('victim')
  store.set(key('a'), key('1')).set(key('b'), key('2')).set(key('c'), key('3'))
  return store
}

/** The seq the store's next own write takes, read off the op it sends. */
function nextSeqOf (store: ReplicaStore): number {
  return (store.insertWithOp(key('probe'), key('x')) as Extract<Op, { kind: 'set' }>).dot.seq
}

describe('remote input never moves what a replica owns', () => {
  it('refuses an op removing a dot of its own id it never issued, whole, and keeps issuing its own seqs', () => {
    const victim = victimStore()
    const hash = victim.stateHash()
    const brick: Op[] = [
      { kind: 'delete', key: key('z'), removes: [{ replica: madeUp(1), seq: 1 }] },
      { kind: 'delete', key: key('a'), removes: [{ replica: victim.replicaId, seq: MAX_SEQ }] }
    ]
    // Refused before its signature is even checked (it has none): the own-id alarm comes first.
    assert.throws(() => victim.integrateOps(brick), (err: any) => err instanceof ForeignDotError && err.seq === MAX_SEQ)
    assert.deepEqual(victim.stateHash(), hash, 'nothing of the batch was applied')
    assert.equal(victim.hasSeen({ replica: madeUp(1), seq: 1 }), false)
    assert.equal(nextSeqOf(victim), 4)
  })

  it('refuses a set under its own id at a seq it never issued', () => {
    const victim = victimStore()
    const forged: Op = { kind: 'set', key: key('a'), value: key('evil'), dot: { replica: victim.replicaId, seq: 50 }, hlc: { wall: Date.now(), counter: 0 }, removes: [] }
    assert.throws(() => victim.integrateOp(forged), { name: 'ForeignDotError' })
    assert.deepEqual(victim.get(key('a')), key('1'))
    assert.equal(nextSeqOf(victim), 4)
  })

  it('still takes removals of its own dots that it did issue (another replica deleting its entry)', () => {
    const victim = victimStore()
    const other = new MemStore('other')
    pull(other, victim)
    victim.integrateOp(other.deleteWithOp(key('a')))
    assert.equal(victim.get(key('a')), undefined)
    assert.equal(nextSeqOf(victim), 4)
  })

  it('refuses a diff holding entries and deaths of its own id it never issued, and reports them', () => {
    const victim = victimStore()
    const reports: ForeignDotEvent[] = []
    victim.addEventListener('foreign-dot', (event) => { reports.push(event) })
    const other = new MemStore('other')
    other.set(key('o'), key('fine'))
    const honest = other.buildDiff(new MemStore().requestDiff()).groups[0]
    const poisoned: Diff = {
      needsFullRequest: false,
      groups: [
        { replica: victim.replicaId, entries: [{ key: key('a'), value: key('evil'), seq: 50, hlc: { wall: Date.now(), counter: 0 } }], deaths: ClockSet.of(2, MAX_SEQ) },
        honest
      ]
    }
    // Nobody but the victim can sign under its id: the frame is refused whole, and the forgery reported.
    assert.throws(() => victim.integrateDiff(poisoned), { name: 'InvalidSignatureError' })
    assert.equal(reports.length, 1)
    assert.ok(reports[0].error instanceof ForeignDotError && reports[0].error.seq === 50)
    assert.deepEqual(victim.get(key('a')), key('1'), 'the forged entry is not taken')
    assert.deepEqual(victim.get(key('b')), key('2'), 'nothing of the frame is applied')
    assert.equal(victim.hasSeen({ replica: victim.replicaId, seq: MAX_SEQ }), false)
    assert.equal(victim.hasSeen({ replica: victim.replicaId, seq: 50 }), false)
    assert.equal(nextSeqOf(victim), 4)
  })

  it('refuses further writes with SeqLimitError once it has issued the largest seq, changing nothing', () => {
    // Only a store reopened from disk can start high; the persistence seam stands in for that here.
    const store = new MemStore('old', {
      persistence: ({ restorer }) => {
        restorer.restoreNextSeq(MAX_SEQ)
        return { committed: () => {}, publish: (emit) => { emit() } }
      }
    })
    store.set(key('last'), key('1'))
    const hash = store.stateHash()
    assert.throws(() => store.set(key('one-more'), key('2')), SeqLimitError)
    store.begin()
    assert.throws(() => store.set(key('one-more'), key('2')), SeqLimitError)
    store.rollback()
    assert.deepEqual(store.stateHash(), hash)
    assert.deepEqual(store.get(key('last')), key('1'))
    assert.equal(store.delete(key('last')), true, 'deletes take no seq and still work')
  })
})

describe('bounded work and memory, whatever a message claims', () => {
  it('keeps at most maxPendingRemovals removals waiting for their entries, learns no writer from them, and still converges', () => {
    const victim = new MemStore('victim', { maxPendingRemovals: 10 })
    victim.set(key('own'), key('1'))
    const deleter = new MemStore('deleter')
    const sets: Op[] = []
    const removals: Op[] = []
    for (let i = 0; i < 30; i++) {
      const set = new MemStore(`w${i}`).insertWithOp(key(`k${i}`), key('1'))
      deleter.integrateOp(set)
      sets.push(set)
      removals.push(deleter.deleteWithOp(key(`k${i}`)))
    }
    for (const removal of removals) victim.integrateOp(removal)
    assert.equal(victim.requestDiff().replicas!.length, 1, 'removals alone make no writer known')
    for (const set of sets) victim.integrateOp(set)
    // The ten newest removals waited and took effect when their entries came; the older were dropped at the bound.
    assert.equal(victim.size, 1 + 20)
    pull(victim, deleter)
    assert.equal(victim.size, 1, 'one pull repairs the rest')
    pull(deleter, victim)
    assert.deepEqual(dump(victim), dump(deleter))
    assert.deepEqual(victim.stateHash(), deleter.stateHash())
  })

  it('serves a request claiming far more than it knows without building the claim', () => {
    const responder = new MemStore('responder')
    const writer = new MemStore('writer')
    for (let i = 0; i < 50; i++) responder.integrateOp(writer.insertWithOp(key(`k${i}`), key('v')))
    // 35 bytes: version, type, flags (full), one writer, its id, a zero digest, "seen 1..2^39 - 1".
    const claim = Uint8Array.of(3, 2, 1, 1, ...Buffer.from(writer.replicaId, 'hex'), 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f)
    const request = decodeDiffRequest(claim)
    assert.equal(request.replicas![0].seen.size, 2 ** 39 - 1)
    const rss = process.memoryUsage().rss
    const frames = [...responder.buildDiffFrames(request)]
    // Built, "seen 1..2^39" is ~600 MB of run containers; clamped to what the responder knows, nothing.
    assert.ok(process.memoryUsage().rss - rss < 64 * 1024 * 1024, 'the claim was not materialised')
    const deaths = frames.flatMap((f) => f.groups).map((g) => g.deaths?.size ?? 0)
    assert.equal(deaths.reduce((a, b) => a + b, 0), 0)
  })

  it('takes deaths claiming billions of seqs only up to what the writer attested, in work per run', () => {
    const writer = new MemStore('writer')
    for (let i = 0; i < 3; i++) writer.set(key(`k${i}`), key('v'))
    const a = new MemStore('a')
    const b = new MemStore('b')
    pull(a, writer)
    pull(b, writer)
    const huge = new ClockSet()
    huge.addRange(1, 2 ** 33 + 5)
    huge.add(2 ** 40)
    // 2^33 seqs hashed one by one would take minutes: the test's timeout is the assertion.
    a.integrateDiff(decodeDiff(encodeDiff({ needsFullRequest: false, groups: [{ replica: writer.replicaId, entries: [], deaths: huge }] })))
    assert.equal(a.size, 3, 'the three writes it attested live on: their deaths came without evidence')
    assert.equal(a.hasSeen({ replica: writer.replicaId, seq: 4 }), false, 'nothing above what its key attested')
    b.integrateDiff({ needsFullRequest: false, groups: [{ replica: writer.replicaId, entries: [], deaths: ClockSet.of(1, 2, 3) }] })
    assert.deepEqual(a.stateHash(), b.stateHash())
  })

  it('hashes a seen set the same however it was built: seq by seq, by ranges, or from deaths', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 3000 })), { minLength: 1, maxLength: 12 }), (runs) => {
      const writer = madeUp(9)
      const bySeq = new SeenOnly('s')
      const byDeaths = new SeenOnly('d')
      const seqs = new Set<number>()
      for (const [start, length] of runs) for (let s = start; s < Math.min(start + length, MAX_SEQ); s++) seqs.add(s)
      for (const seq of [...seqs].sort((x, y) => y - x)) bySeq.see(writer, ClockSet.of(seq))
      for (const [start, length] of runs) {
        const piece = new ClockSet()
        piece.addRange(start, Math.min(start + length, MAX_SEQ))
        byDeaths.see(writer, piece)
      }
      assert.deepEqual(bySeq.stateHash(), byDeaths.stateHash())
    }), { numRuns: 30 })
  })

  it('pages a request of a store that knows many writers, and the pages bring what one request would', () => {
    const responder = new MemStore('responder')
    const requester = new MemStore('requester')
    for (let i = 0; i < 3000; i++) {
      const writer = new MemStore()
      const ops = [1, 2, 3].map(() => writer.insertWithOp(bytes(8), bytes(4)))
      responder.integrateOps(ops)
      // The requester has seen half the writers, with gaps (no "1..N" shortcut).
      if (i % 2 === 0) requester.integrateOps([ops[0], ops[2]])
    }
    for (let i = 0; i < 20; i++) responder.set(bytes(8), bytes(8))
    const pages = encodeDiffRequestPages(requester.requestDiff(), 16 * 1024)
    assert.ok(pages.length > 2, `paged into ${pages.length}`)
    for (const page of pages) assert.ok(page.byteLength <= 16 * 1024)
    for (const page of pages) for (const frame of responder.buildDiffFrames(decodeDiffRequest(page))) requester.integrateDiff(decodeDiff(encodeDiff(frame)))
    assert.deepEqual(dump(requester), dump(responder))
    assert.deepEqual(requester.stateHash(), responder.stateHash())
  })
})

const fixture = new LevelFixture()
after(async () => { await fixture.cleanup() })

describe('a persistent store under the brick', () => {
  it('keeps its own next seq across a refused brick and a reopen', async () => {
    const dir = await fixture.dir()
    const store = await fixture.open(dir)
    store.set(key('a'), key('1'))
    assert.throws(() => store.integrateOp({ kind: 'delete', key: key('a'), removes: [{ replica: store.replicaId, seq: MAX_SEQ }] }), ForeignDotError)
    await fixture.close(store)
    const reopened = await fixture.open(dir)
    const seq = nextSeqOf(reopened)
    assert.ok(seq > 1 && seq < 10_000, `continues near its own seqs (${seq})`)
  })
})
