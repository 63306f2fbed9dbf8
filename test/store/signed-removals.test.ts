// Issue 17 item 3, first slice: every removal this replica makes ends up in a signed batch, the
// evidence of the death it caused — also the removals of commits nobody listened to (sealed later
// from the store) and deletes, which take no seq (batches of removals only, kept by every store).
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ClassicLevel } from 'classic-level'
import { MemStore, type Op } from '../../src/index.ts'
import { batchDigest, removalsDigest, LEAF_BYTES, MAX_BATCH_REMOVALS, TAG_BYTES } from '../../src/store/writer-keys/batch-digest.ts'
import { checkSignature } from '../../src/store/writer-keys/signature-check.ts'
import { FORMAT_VERSION, decodeRecord } from '../../src/store/level/record-codec.ts'
import { LevelFixture } from './level-fixture.ts'
import type { BatchProof } from '../../src/store/diff.ts'
import type { StoreRestorer, StoreView } from '../../src/store/store-persistence.ts'
import type { WriterProofs } from '../../src/store/writer-keys/writer-proofs.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

/** A store whose kept proofs the test can read, through the persistence seam (which keeps nothing). */
function watched (): { store: MemStore, proofs: (id?: string) => WriterProofs, restorer: () => StoreRestorer } {
  let view: StoreView | undefined
  let restorer: StoreRestorer | undefined
  const store = new MemStore(undefined, {
    persistence: (access) => {
      view = access.view
      restorer = access.restorer
      return { committed: () => {}, publish: (emit) => { emit() } }
    }
  })
  return { store, proofs: (id = store.replicaId) => view!.replica(id as never)!.proofs, restorer: () => restorer! }
}

/** Every signed removal of `proofs`, each batch's signature checked against the removals it lists. */
function signedRemovals (replica: string, proofs: WriterProofs): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>()
  const batches: BatchProof[] = [...proofs.all(), ...proofs.removalOnly()]
  for (const proof of batches) {
    const removals = proof.removals ?? []
    checkSignature(proofs.card!, batchDigest(replica as never, proof.first, proof.count, proof.salt, removalsDigest(removals), proof.leaves), proof.signature, `batch ${proof.first}`)
    for (const dot of removals) out.set(`${dot.replica}:${dot.seq}`, dot.tag)
  }
  return out
}

const tagOf = (proofs: WriterProofs, seq: number): Uint8Array => proofs.leafAt(seq)!.slice(0, TAG_BYTES)

describe('signed removals', () => {
  it('a commit nobody listened to signs its removals when it is sealed, deletes too; an own entry overwritten before sealing is a zero leaf instead', async () => {
    const { store, proofs } = watched()
    const other = new MemStore()
    const sent: Op[] = []
    other.addEventListener('ops', (event) => { sent.push(...event.ops) })
    other.set(bytes('theirs'), bytes('t'))
    await other.signed()
    store.integrateOps(sent)
    for (let i = 0; i < 10; i++) store.set(bytes(`k${i}`), bytes(`v${i}`))
    await store.signed()
    const own = proofs()
    const tags = new Map([2, 3, 4, 5, 6].map((seq) => [`${store.replicaId}:${seq}`, tagOf(own, seq)]))
    tags.set(`${other.replicaId}:1`, tagOf(proofs(other.replicaId), 1))
    store.set(bytes('k1'), bytes('overwritten')) // seq 11, removes seq 2
    store.delete(bytes('k2')) // no seq, removes seq 3
    store.begin()
    store.delete(bytes('k3'))
    store.delete(bytes('k4'))
    store.set(bytes('k5'), bytes('again')) // seq 12, removes 4, 5, 6
    store.commit()
    store.set(bytes('short'), bytes('lived')) // seq 13
    store.set(bytes('short'), bytes('replaced')) // seq 14: 13 was never sealed
    store.delete(bytes('theirs'))
    await store.signed()
    const removed = signedRemovals(store.replicaId, proofs())
    assert.deepEqual([...removed.keys()].sort(), [...tags.keys()].sort(), 'every removal is signed once sealed, and only those')
    for (const [dot, tag] of tags) assert.deepEqual(removed.get(dot), tag, `the tag of ${dot}`)
    assert.deepEqual(proofs().leafAt(13), new Uint8Array(LEAF_BYTES), 'an own entry dead before sealing is signed as issued with no entry')
    assert.equal(proofs().removalOnly().length, 0, 'removals went with the seqs sealed after them')
  })

  it('deletes alone make a batch of removals only, which the store and a peer that hears its ops keep', async () => {
    const { store, proofs } = watched()
    for (let i = 0; i < 3; i++) store.set(bytes(`k${i}`), bytes(`v${i}`))
    await store.signed()
    store.delete(bytes('k0'))
    await store.signed()
    const [batch] = proofs().removalOnly()
    assert.equal(batch?.count, 0)
    assert.deepEqual([...signedRemovals(store.replicaId, proofs()).keys()], [`${store.replicaId}:1`])
    // Listened to: the delete's ops carry a removal-only batch, and the peer keeps its proof.
    const peer = watched()
    const sent: Op[] = []
    store.addEventListener('ops', (event) => { sent.push(...event.ops) })
    store.delete(bytes('k1'))
    await store.signed()
    assert.equal(sent.length, 1)
    peer.store.integrateOps(sent)
    const kept = peer.proofs(store.replicaId).removalOnly()
    assert.equal(kept.length, 1)
    assert.deepEqual(kept[0].removals?.map((dot) => dot.seq), [2])
    peer.store.integrateOps(sent)
    assert.equal(peer.proofs(store.replicaId).removalOnly().length, 1, 'a batch heard twice is kept once')
  })

  it('removals waiting to be signed stay bounded: beyond one batch\'s worth they are signed in the background', async () => {
    const { store, proofs } = watched()
    const count = MAX_BATCH_REMOVALS + 10
    store.begin()
    for (let i = 0; i < count; i++) store.set(bytes(`k${i}`), bytes('v'))
    store.commit()
    await store.signed()
    for (let i = 0; i < count; i++) store.delete(bytes(`k${i}`))
    for (let round = 0; round < 1000 && !proofs().removalOnly().some((batch) => batch.signature.byteLength > 0); round++) await new Promise((resolve) => { setImmediate(resolve) })
    const signed = proofs().removalOnly().filter((batch) => batch.signature.byteLength > 0)
    assert.ok(signed.length >= 1, 'a full batch signed without anyone asking')
    assert.equal(signed[0].removals?.length, MAX_BATCH_REMOVALS)
    await store.signed()
    assert.equal(signedRemovals(store.replicaId, proofs()).size, count)
  })
})

describe('the cause of each death', () => {
  /** Checks that `cause` is a removal of `seq` by `remover`, in a batch signed by the remover's key. */
  function assertRemoval (store: { proofs: (id?: string) => WriterProofs }, dead: string, seq: number, remover: string): void {
    const cause = store.proofs(dead).causeOf(seq)
    assert.equal(cause?.kind, 'removal', `${dead}:${seq} has a removal as its cause`)
    if (cause?.kind !== 'removal') return
    assert.equal(cause.remover, remover)
    assert.ok(cause.batch.removals?.some((dot) => dot.replica === dead && dot.seq === seq && sameBytes(dot.tag, store.proofs(dead).leafAt(seq)!.subarray(0, TAG_BYTES))), 'the batch lists the removal, tagged with the dead leaf')
    checkSignature(store.proofs(remover).card!, batchDigest(remover as never, cause.batch.first, cause.batch.count, cause.batch.salt, removalsDigest(cause.batch.removals!), cause.batch.leaves), cause.batch.signature, 'the remover batch')
  }

  it('is noted where a removal in ops kills, where a waiting removal meets its entry, and where a local commit nobody heard is sealed; a dead own seq signed void is its own', async () => {
    const writer = watched()
    const sent: Op[] = []
    writer.store.addEventListener('ops', (event) => { sent.push(...event.ops) })
    writer.store.set(bytes('a'), bytes('1'))
    writer.store.set(bytes('b'), bytes('2'))
    await writer.store.signed()
    const setOps = sent.splice(0)
    writer.store.delete(bytes('a')) // removes seq 1
    await writer.store.signed()
    const deleteOps = sent.splice(0)
    writer.store.set(bytes('b'), bytes('3')) // removes seq 2
    await writer.store.signed()
    const removeOps = [...deleteOps, ...sent.splice(0)]
    // In order: the removals kill live entries.
    const inOrder = watched()
    inOrder.store.integrateOps(setOps)
    inOrder.store.integrateOps(removeOps)
    assertRemoval(inOrder, writer.store.replicaId, 1, writer.store.replicaId)
    assertRemoval(inOrder, writer.store.replicaId, 2, writer.store.replicaId)
    // Removals first: they wait, then kill each entry as it arrives.
    const late = watched()
    late.store.integrateOps(deleteOps)
    assert.equal(late.proofs(writer.store.replicaId).causeOf(1), undefined)
    late.store.integrateOps(setOps)
    assert.equal(late.store.get(bytes('a')), undefined)
    assertRemoval(late, writer.store.replicaId, 1, writer.store.replicaId)
    // A local commit nobody listened to: noted once its batch is sealed.
    const local = watched()
    local.store.integrateOps(setOps)
    local.store.delete(bytes('a'))
    local.store.set(bytes('x'), bytes('short'))
    local.store.set(bytes('x'), bytes('lived'))
    await local.store.signed()
    assertRemoval(local, writer.store.replicaId, 1, local.store.replicaId)
    assert.equal(local.proofs().causeOf(1)?.kind, 'void', 'an own entry overwritten before it was sealed is signed as issued with no entry')
    assert.equal(local.proofs().causeOf(2), undefined, 'a live seq has no cause')
  })
})

const fixture = new LevelFixture()
after(async () => { await fixture.cleanup() })

describe('removals kept on disk', () => {
  it('a LevelStore\'s proof records keep the removals they signed, batches of removals only too, and a store restored from them knows each death\'s cause', async () => {
    const other = new MemStore()
    const sent: Op[] = []
    other.addEventListener('ops', (event) => { sent.push(...event.ops) })
    other.set(bytes('theirs'), bytes('t'))
    other.set(bytes('also'), bytes('t'))
    await other.signed()
    const dir = await fixture.dir()
    const store = await fixture.open(dir)
    store.integrateOps(sent)
    store.set(bytes('mine'), bytes('1'))
    await store.signed()
    store.set(bytes('theirs'), bytes('replaced')) // seq 2, removes other:1
    store.delete(bytes('also')) // removes other:2
    await store.signed()
    store.delete(bytes('mine')) // a batch of removals only: removes own seq 1
    await store.signed()
    const replicaId = store.replicaId
    await fixture.close(store)
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    const records = []
    for await (const [key, value] of db.iterator()) if (key[0] === 0x50) records.push(decodeRecord(key, value, FORMAT_VERSION))
    await db.close()
    const proofs = records.flatMap((record) => record.kind === 'proof' ? [record] : [])
    const removed = proofs.flatMap((record) => (record.proof.removals ?? []).map((dot) => `${dot.replica}:${dot.seq}`))
    assert.deepEqual(removed.sort(), [`${other.replicaId}:1`, `${other.replicaId}:2`, `${replicaId}:1`].sort())
    assert.ok(proofs.some((record) => record.proof.count === 0), 'the batch of removals only has its record')
    // What an open does with them: each removal becomes the cause of its death.
    const restored = watched()
    for (const record of proofs) restored.restorer().restoreProof(record.replica, record.card, record.proof)
    for (const [dead, seq] of [[other.replicaId, 1], [other.replicaId, 2], [replicaId, 1]] as const) {
      const cause = restored.proofs(dead).causeOf(seq)
      assert.equal(cause?.kind, 'removal', `${dead}:${seq}`)
      assert.equal(cause?.kind === 'removal' ? cause.remover : undefined, replicaId)
    }
    // And the store reopens from them as it was.
    const reopened = await fixture.open(dir)
    assert.equal(reopened.get(bytes('also')), undefined)
    assert.deepEqual(reopened.get(bytes('theirs')), bytes('replaced'))
    await fixture.close(reopened)
  })
})

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}
