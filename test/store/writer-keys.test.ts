import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ClockSet, DeathsRefusedEvent, EquivocationEvent, MemStore, WriterKey, decodeDiff, decodeOps, encodeDiff, encodeOps, replicaIdOfCard, stringCodec, type Op
} from '../../src/index.ts'
import { pull } from './sync-fixture.ts'

const strings = { keys: stringCodec, values: stringCodec }
const text = (name: string, writer?: WriterKey): MemStore<string, string> => new MemStore<string, string>(name, { ...strings, writer })

describe('writers bound to keys: the store', () => {
  it('derives its replica id from its writer key and nonce, so one key owns several stores', () => {
    const key = WriterKey.generateSync()!
    const other = key.forAnotherStore()
    assert.equal(text('a', key).replicaId, replicaIdOfCard(key))
    assert.notEqual(other.replicaId, key.replicaId)
    assert.deepEqual(other.publicKey, key.publicKey)
  })

  it('takes no op that its writer did not sign, whatever path brings it, and changes nothing', () => {
    const writer = text('writer')
    const victim = text('victim')
    const op = writer.insertWithOp('k', 'v')
    assert.equal(op.batch?.card.publicKey.byteLength, 32)
    assert.equal(op.kind === 'set' && op.batch?.signature.byteLength, 64)
    const hash = victim.stateHash()
    const changed: Op = { ...op, value: new TextEncoder().encode('evil') } as Op
    assert.throws(() => victim.integrateOps([changed]), { name: 'InvalidSignatureError' })
    assert.throws(() => victim.integrateOps(decodeOps(encodeOps([changed]))), { name: 'InvalidSignatureError' })
    const unsigned = { ...op, batch: undefined } as Op
    assert.throws(() => victim.integrateOps([unsigned]), { name: 'InvalidSignatureError' })
    assert.deepEqual(victim.stateHash(), hash)
    victim.integrateOps(decodeOps(encodeOps([op])))
    assert.equal(victim.get('k'), 'v')
  })

  it('ops verified ahead are integrated as verified, and any other array of ops is checked anew', async () => {
    const writer = text('writer')
    const victim = text('victim')
    const ops = decodeOps(encodeOps([writer.insertWithOp('k', 'v'), writer.insertWithOp('j', 'w')]))
    assert.equal(await victim.verifyOps(ops), true)
    // A copy that changed a value after the original was verified: its own leaves are hashed.
    const changed = [ops[0], { ...ops[1], value: new TextEncoder().encode('evil') } as Op]
    assert.throws(() => victim.integrateOps(changed), { name: 'InvalidSignatureError' })
    assert.equal(await victim.verifyOps(changed), false)
    assert.throws(() => victim.integrateOps(changed), { name: 'InvalidSignatureError' })
    assert.equal(victim.size, 0)
    victim.integrateOps(ops)
    assert.deepEqual([victim.get('k'), victim.get('j')], ['v', 'w'])
  })

  it('a removal takes effect only on the entry whose tag it carries, waits for an entry not yet seen, and never for a guess', () => {
    const writer = text('writer')
    const deleter = text('deleter')
    const victim = text('victim')
    const set = writer.insertWithOp('k', 'v')
    deleter.integrateOp(set)
    const removal = deleter.deleteWithOp('k')
    victim.integrateOp(removal)
    assert.equal(victim.hasSeen({ replica: writer.replicaId, seq: 1 }), false, 'the removal waits, marking nothing')
    victim.integrateOp(set)
    assert.equal(victim.get('k'), undefined, 'the entry it named arrived dead')
    // A guess at the writer's next seq: a tag no entry will have.
    const guess = { ...removal, removes: [{ replica: writer.replicaId, seq: 2, tag: new Uint8Array(8) }] } as Op
    assert.throws(() => victim.integrateOp(guess), { name: 'InvalidSignatureError' }, 'changing the removal breaks its signature')
    const later = writer.insertWithOp('j', 'v')
    victim.integrateOp(later)
    assert.equal(victim.get('j'), 'v')
  })

  it('refuses deaths in a diff above what the writer\'s key attested', () => {
    const writer = text('writer')
    writer.set('a', '1').set('b', '2')
    const victim = text('victim')
    pull(victim, writer)
    const refused: DeathsRefusedEvent[] = []
    victim.addEventListener('deaths-refused', (event) => { refused.push(event) })
    const deaths = new ClockSet()
    deaths.addRange(1, 1000)
    victim.integrateDiff(decodeDiff(encodeDiff({ needsFullRequest: false, groups: [{ replica: writer.replicaId, entries: [], deaths }] })))
    assert.equal(victim.size, 2, 'the two it attested live on: their deaths came without evidence')
    assert.equal(victim.deathsInDoubt(), true, 'the next request names them')
    assert.equal(victim.hasSeen({ replica: writer.replicaId, seq: 3 }), false)
    assert.deepEqual(refused.map((event) => [event.replica, event.from, event.reason]), [[writer.replicaId, 3, 'unattested']], 'the claim beyond is reported')
    writer.set('c', '3')
    pull(victim, writer)
    assert.equal(victim.get('c'), '3', 'its next write lives')
  })

  it('kills a dot its writer signed two entries for, in every store that sees both, and reports it', () => {
    const key = WriterKey.generateSync()!
    // Two copies of one data directory: the same key and nonce, both writing seq 1.
    const copy1 = text('copy1', key)
    const copy2 = text('copy2', key)
    const one = copy1.insertWithOp('x', 'one')
    const two = copy2.insertWithOp('y', 'two')
    const a = text('a')
    const b = text('b')
    const reports: EquivocationEvent[] = []
    a.addEventListener('equivocation', (event) => { reports.push(event as EquivocationEvent) })
    a.integrateOp(one)
    b.integrateOp(two)
    assert.deepEqual([a.get('x'), b.get('y')], ['one', 'two'])
    a.integrateOp(two)
    assert.equal(reports.length, 1)
    assert.deepEqual([reports[0].replica, reports[0].seq], [key.replicaId, 1])
    assert.equal(a.get('x'), undefined, 'neither version lives')
    assert.equal(a.get('y'), undefined)
    pull(b, a)
    pull(a, b)
    assert.deepEqual(a.entries(), b.entries())
    assert.deepEqual(a.stateHash(), b.stateHash())
  })

  it('two stores each holding a different signed version of one dot hash apart, and converge by pull alone to the same choice, both reporting it', () => {
    const key = WriterKey.generateSync()!
    const copy1 = text('copy1', key)
    const copy2 = text('copy2', key)
    const other = text('other')
    const shared = other.insertWithOp('shared', 'yes')
    const one = copy1.insertWithOp('x', 'one')
    const two = copy2.insertWithOp('x', 'two')
    const a = text('a')
    const b = text('b')
    const reports = { a: [] as EquivocationEvent[], b: [] as EquivocationEvent[] }
    a.addEventListener('equivocation', (event) => { reports.a.push(event as EquivocationEvent) })
    b.addEventListener('equivocation', (event) => { reports.b.push(event as EquivocationEvent) })
    for (const store of [a, b]) store.integrateOp(shared)
    a.integrateOp(one)
    b.integrateOp(two)
    assert.deepEqual([a.get('x'), b.get('x')], ['one', 'two'])
    assert.notDeepEqual(a.stateHash(), b.stateHash(), 'the same dots, different contents: the hashes differ')
    // No gossip: pulls alone, each way, as a mesh does until the state hashes agree.
    for (let round = 0; round < 3 && !Buffer.from(a.stateHash()).equals(b.stateHash()); round++) {
      pull(a, b)
      pull(b, a)
    }
    assert.deepEqual(a.stateHash(), b.stateHash())
    assert.deepEqual(a.entries(), b.entries())
    assert.deepEqual(a.entries(), [['shared', 'yes']], 'neither version lives')
    assert.deepEqual([reports.a.length, reports.b.length], [1, 1], 'each store reports the writer once')
    assert.deepEqual([reports.a[0].replica, reports.a[0].seq, reports.b[0].replica, reports.b[0].seq], [key.replicaId, 1, key.replicaId, 1])
    // More pulls report nothing again and change nothing.
    const hash = a.stateHash()
    pull(a, b)
    pull(b, a)
    assert.deepEqual([reports.a.length, reports.b.length, a.stateHash()], [1, 1, hash])
    // A third store that saw neither version takes the death and sees the proof of it.
    const c = text('c')
    const seenByC: EquivocationEvent[] = []
    c.addEventListener('equivocation', (event) => { seenByC.push(event as EquivocationEvent) })
    pull(c, a)
    assert.deepEqual(c.stateHash(), a.stateHash())
    assert.equal(seenByC.length, 1)
  })
})
