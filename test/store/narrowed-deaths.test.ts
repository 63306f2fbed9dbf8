import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ClockSet, MemStore, decodeDiff, decodeDiffRequest, encodeDiff, encodeDiffRequest, type DiffRequest } from '../../src/index.ts'
import { bytes, dump } from './sync-fixture.ts'

// A round after churn: the requester holds as live entries the responder has overwritten. The
// responder withholds the deaths the requester has seen when it will ask again, and the second
// request names its suspects (the entries the first answer's overwrites sat beside).

/** A store with `keys` keys, then `rounds` times as many overwrites of keys drawn at random (so the dead seqs are scattered), in transactions of 100. */
function churned (keys: Uint8Array[], rounds: number): MemStore {
  const store = new MemStore('source')
  let state = 1
  const next = (): number => (state = (state * 48271) % 2147483647)
  for (let start = 0; start < keys.length; start += 100) overwrite(store, keys.slice(start, start + 100))
  for (let done = 0; done < rounds * keys.length; done += 100) {
    overwrite(store, Array.from({ length: 100 }, () => keys[next() % keys.length]))
  }
  return store
}

/** One pull as DiffSync.pull makes it, through the wire formats; the bytes and requests of each round. */
function pull (to: MemStore, from: MemStore, narrowDeaths = true): Array<{ request: DiffRequest, requestBytes: number, diffBytes: number, withheld: boolean }> {
  const rounds = []
  let request = to.requestDiff({ hash: false, narrowDeaths })
  let doubtsAsked = false
  while (true) {
    const requestBytes = encodeDiffRequest(request)
    const decoded = decodeDiffRequest(requestBytes)
    const diffBytes = encodeDiff(from.buildDiff(decoded))
    const diff = decodeDiff(diffBytes)
    to.integrateDiff(diff)
    rounds.push({ request: decoded, requestBytes: requestBytes.byteLength, diffBytes: diffBytes.byteLength, withheld: diff.deathsWithheld === true })
    // As DiffSync.pull: once more after withheld deaths, and once more after deaths left in doubt.
    if (diff.deathsWithheld === true && request.narrowDeaths === true) request = to.requestDiff({ hash: false })
    else if (!doubtsAsked && to.deathsInDoubt()) {
      doubtsAsked = true
      request = to.requestDiff({ hash: false })
    } else return rounds
  }
}

function overwrite (store: MemStore, keys: Uint8Array[]): void {
  store.begin()
  for (const key of keys) store.set(key, bytes(32))
  store.commit()
}

describe('deaths narrowed to the suspects', () => {
  const keys = Array.from({ length: 2000 }, () => bytes(16))

  it('after overwrites, the second round carries only the deaths of the overwritten entries', () => {
    const source = churned(keys, 5)
    const target = new MemStore('target')
    pull(target, source)
    assert.deepEqual(target.stateHash(), source.stateHash())
    const changed = keys.filter((_, i) => i % 20 === 0)
    overwrite(source, changed)

    const narrowed = pull(target, source)
    assert.equal(narrowed.length, 2, 'the first answer withheld deaths, the second request named suspects')
    assert.equal(narrowed[0].withheld, true)
    assert.equal(narrowed[1].request.replicas?.[0].suspects?.size, changed.length, 'one suspect per overwritten key')
    assert.deepEqual(target.stateHash(), source.stateHash(), 'the replicas agree')
    assert.deepEqual(dump(target), dump(source))

    // The same round without narrowing resends the whole dead set (~10,000 dead seqs), then the suspects with evidence.
    const again = churned(keys, 5)
    const wide = new MemStore('wide')
    pull(wide, again)
    overwrite(again, changed)
    const widened = pull(wide, again, false)
    assert.equal(widened.length, 2, 'the whole dead set came without evidence for the entries held live: one more request names them')
    assert.deepEqual(wide.stateHash(), again.stateHash())
    const total = (rounds: typeof narrowed): number => rounds.reduce((sum, r) => sum + r.requestBytes + r.diffBytes, 0)
    assert.ok(total(narrowed) < total(widened) - 1000, `narrowed ${total(narrowed)} B, whole dead set ${total(widened)} B`)
  })

  it('deletes the suspects do not account for: the second answer sends every death, and the replicas agree', () => {
    const source = churned(keys, 5)
    const target = new MemStore('target')
    pull(target, source)
    // Deletes leave no entry behind: no suspect points at them.
    source.begin()
    for (const key of keys.slice(0, 50)) source.delete(key)
    source.commit()
    overwrite(source, keys.slice(100, 110))
    const rounds = pull(target, source)
    assert.equal(rounds.length, 2)
    assert.equal(rounds[1].withheld, false, 'a request that names suspects is never answered with deaths withheld')
    assert.deepEqual(target.stateHash(), source.stateHash())
    assert.equal(target.size, source.size)
  })

  it('a request that will not ask again gets every death at once', () => {
    const source = churned(keys, 5)
    const target = new MemStore('target')
    pull(target, source)
    overwrite(source, keys.slice(0, 30))
    const rounds = pull(target, source, false)
    assert.equal(rounds[0].withheld, false)
    // The dead set came whole, without evidence for the entries held live here: one more request
    // names them, and its answer proves their deaths.
    assert.equal(rounds.length, 2)
    assert.equal(rounds[1].request.replicas?.[0].suspects?.size, 30)
    assert.deepEqual(target.stateHash(), source.stateHash())
  })

  it('suspects the responder holds live, or never saw, confirm nothing and cost nothing more', () => {
    const source = churned(keys.slice(0, 500), 5)
    const target = new MemStore('target')
    pull(target, source)
    const request = target.requestDiff({ hash: false })
    const [summary] = request.replicas!
    // Live entries, and seqs far beyond anything written, claimed as suspects.
    const suspects = new ClockSet()
    suspects.addRange(1, 2 ** 20)
    const claimed: DiffRequest = { replicas: [{ ...summary, suspects: ClockSet.of(...summary.seen.toArray().slice(-100), 2 ** 40) }] }
    const diff = source.buildDiff(decodeDiffRequest(encodeDiffRequest(claimed)))
    assert.equal(diff.groups.length, 0, 'the replicas agree: nothing to say')
    assert.throws(() => decodeDiffRequest(encodeDiffRequestWith(summary, suspects)), /more than 65536 suspects/)
  })
})

/** A request whose suspects the encoder would leave out (too many), written anyway. */
function encodeDiffRequestWith (summary: NonNullable<DiffRequest['replicas']>[number], suspects: ClockSet): Uint8Array {
  const plain = encodeDiffRequest({ replicas: [summary] })
  const set = suspects.serialize()
  const out = new Uint8Array(plain.byteLength + 2 + set.byteLength)
  out.set(plain)
  out[2] |= 0x20
  out.set([1, 0], plain.byteLength)
  out.set(set, plain.byteLength + 2)
  return out
}
