import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  ClockSet, InvalidMessageError, MemStore, UnsupportedVersionError, WriterKey, decodeDiff, decodeDiffRequest, decodeOps, encodeDiff,
  encodeDiffRequest, encodeOps, stringCodec, type Op
} from '../../src/index.ts'

const te = (s: string): Uint8Array => new TextEncoder().encode(s)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const now = (): number => 1764115200000
// Writers with fixed keys: Ed25519 signatures and batch salts are deterministic, so every byte is.
const writerA = WriterKey.fromSecretSync(new Uint8Array(32).fill(1), new Uint8Array(16).fill(2))
const writerB = WriterKey.fromSecretSync(new Uint8Array(32).fill(3), new Uint8Array(16).fill(4))
const A = writerA.replicaId
const B = writerB.replicaId

// Golden vectors: these bytes are version 3 of the formats (writers bound to keys; version 2 had
// no cards, batches or tags). If a change breaks one, the change is a new version (see README
// "Wire formats"), not a new vector. (Salts and what a writer signs when are the writer's choice
// within the grammar: the vectors were remade once, before version 3 shipped, when the writer's
// salt derivation changed and unlistened commits came to be signed from the store.)
const GOLDEN_OPS = '0301028320cb944a4a51b1dfa58ff9633ef2904f3d004542a5974bec2775241ab68bbf01008a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c02020202020202020202020202020202010296b40f673b82fd394942bde8da29cf972325026a826e9efb242206866c58fd653f5595dbd95ee9a19c31ef17d52b10f05403eeb937a6de6dbc7f38eff56e8aed103202e1e011fcceb764850c8f14a403031f026b3102763100b875bd9a010101010121a40cb74000ca0b11026b3202763202026b33010102608320e72374b052'
const GOLDEN_REQUEST = '0302030909090909090909090909090100112233445566778899aabbccddeeff01010101010101010a'
const GOLDEN_REQUEST_GAPPY = '0302010100112233445566778899aabbccddeeff0101010101010101000100000000000000000000003a300000010000000000020010000000010002000500'
const GOLDEN_SUMMARY = '030202090909090909090909090909'
const GOLDEN_DIFF = '030308024f3d004542a5974bec2775241ab68bbfed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d10404040404040404040404040404040401030101623281e0add7d76602020102dbc5e8b431355ab97b3936e55d45687a61497c23f6195643f1cb4d26a476821e834ae29539dce0f4d2c8927b9271d648634774bc6fce4b8f5392bd6b430e8115073f89ab67017b08d8f760472da582741dc9b75a8a212829317b9219c6fc461a4178c14e164cacc599438e352851970a21a40cb74000ca0b4eaf44d0c6049db5608320e72374b0523fcbd7fb454c69dc038201b0bcd07fb698f0530bf57cb5ff8b775c61497c23f6195643f1cb4d26a476821e834ae29539dce0f4d2c8927b9271d648e328710f35a8d5bce75f580d628d029b47bb644161ed5aefe3432b74b6439394eb9470423d20431f59d8c857b1ef1cae3bcffe325192408d56dbf554f54200070100000000000000010100000000000000000000003b30000001000002000100010002008320cb944a4a51b1dfa58ff9633ef2908a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c02020202020202020202020202020202020002026b31763181e0add7d766010002026b3276320001010296b40f673b82fd394942bde8da29cf97052e1342e6f3e21fd21b118c2e99bdecbe745c32d985f6fc79a454fc02ceea902325026a826e9efb242206866c58fd653f5595dbd95ee9a19c31ef17d52b10f05403eeb937a6de6dbc7f38eff56e8aed103202e1e011fcceb764850c8f14a4030001008320cb944a4a51b1dfa58ff9633ef2900102014f3d004542a5974bec2775241ab68bbf02010121a40cb74000ca0b0102608320e72374b052'
// The same diff as before deaths carried evidence: its deaths are claims a store no longer takes.
const GOLDEN_DIFF_UNPROVEN = '030300024f3d004542a5974bec2775241ab68bbfed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d10404040404040404040404040404040401030101623281e0add7d76602010302b0bcd07fb698f0530bf57cb5ff8b775c61497c23f6195643f1cb4d26a476821e834ae29539dce0f4d2c8927b9271d648e328710f35a8d5bce75f580d628d029b47bb644161ed5aefe3432b74b6439394eb9470423d20431f59d8c857b1ef1cae3bcffe325192408d56dbf554f542000700000000000000000000000000000000010100000000000000000000003b30000001000002000100010002008320cb944a4a51b1dfa58ff9633ef2908a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c02020202020202020202020202020202020002026b31763181e0add7d766010002026b3276320001010296b40f673b82fd394942bde8da29cf97052e1342e6f3e21fd21b118c2e99bdecbe745c32d985f6fc79a454fc02ceea902325026a826e9efb242206866c58fd653f5595dbd95ee9a19c31ef17d52b10f05403eeb937a6de6dbc7f38eff56e8aed103202e1e011fcceb764850c8f14a40300'
const OTHER = '00112233445566778899aabbccddeeff'

function goldenStores (): { a: MemStore<string, string>, b: MemStore<string, string>, ops: Op[] } {
  const b = new MemStore<string, string>('b', { writer: writerB, keys: stringCodec, values: stringCodec, clock: { now } })
  b.begin()
  b.set('k1', 'old')
  b.set('k3', 'x')
  const bOps = b.commitWithOps()
  const a = new MemStore<string, string>('a', { writer: writerA, keys: stringCodec, values: stringCodec, clock: { now } })
  a.integrateOps(bOps)
  a.begin()
  a.set('k1', 'v1')
  a.set('k2', 'v2')
  a.delete('k3')
  return { a, b, ops: a.commitWithOps() }
}

describe('wire format golden vectors', () => {
  it('ops', () => {
    const { ops } = goldenStores()
    assert.equal(hex(encodeOps(ops)), GOLDEN_OPS)
    const decoded = decodeOps(Buffer.from(GOLDEN_OPS, 'hex'))
    assert.deepEqual(decoded.map((op) => [op.kind, hex(op.key), op.kind === 'set' ? op.dot : undefined, op.removes.map((d) => [d.replica, d.seq])]), [
      ['set', hex(te('k1')), { replica: A, seq: 1 }, [[B, 1]]],
      ['set', hex(te('k2')), { replica: A, seq: 2 }, []],
      ['delete', hex(te('k3')), undefined, [[B, 2]]]
    ])
    assert.deepEqual(decoded[0].batch?.card, { publicKey: writerA.publicKey, nonce: writerA.nonce })
    assert.equal(hex(encodeOps(decoded)), GOLDEN_OPS)
  })

  it('diff request, full and summary', () => {
    const request = decodeDiffRequest(Buffer.from(GOLDEN_REQUEST, 'hex'))
    assert.deepEqual(request.replicas?.map((r) => [r.replica, r.seen.toArray(), hex(r.liveDigest)]), [[OTHER, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], '0101010101010101']])
    assert.equal(hex(encodeDiffRequest(request)), GOLDEN_REQUEST)
    const gappy = decodeDiffRequest(Buffer.from(GOLDEN_REQUEST_GAPPY, 'hex'))
    assert.equal(gappy.stateHash, undefined)
    assert.deepEqual(gappy.replicas?.map((r) => r.seen.toArray()), [[1, 2, 5]])
    assert.equal(hex(encodeDiffRequest(gappy)), GOLDEN_REQUEST_GAPPY)
    const summary = decodeDiffRequest(Buffer.from(GOLDEN_SUMMARY, 'hex'))
    assert.equal(summary.replicas, undefined)
    assert.equal(hex(summary.stateHash!), '09'.repeat(12))
  })

  it('diff', () => {
    const { b, ops } = goldenStores()
    b.integrateOps(ops)
    b.begin()
    b.set('a', '1')
    b.set('b', '2')
    b.commit()
    b.delete('a')
    assert.equal(hex(encodeDiff(b.buildDiff(new MemStore().requestDiff()))), GOLDEN_DIFF)
    const diff = decodeDiff(Buffer.from(GOLDEN_DIFF, 'hex'))
    assert.deepEqual(diff.groups.map((g) => g.replica), [B, A])
    assert.deepEqual(diff.groups[0].entries.map((e) => [new TextDecoder().decode(e.key), e.seq]), [['b', 4]])
    assert.deepEqual(diff.groups[0].deaths?.toArray(), [1, 2, 3])
    // B's 1 and 2 died by A's signed removals (its batch is in A's group: tags written out for a
    // requester that saw nothing), B's 3 by B's own zero leaf (its batch among B's proofs).
    assert.deepEqual(diff.evidence?.map((e) => [e.remover, e.first, e.count, e.whole != null, e.removals.map((r) => [r.replica, r.seq, r.tag?.byteLength])]), [[A, 1, 2, false, [[B, 1, 8], [B, 2, 8]]]])
    assert.deepEqual(diff.groups[0].proofs?.map((p) => [p.first, p.count]), [[1, 2], [3, 2]])
    // Seq 3's zero leaf travels as a bit of its proof's zero map (count + 128), not 16 bytes.
    assert.deepEqual([...diff.groups[0].proofs![1].leaves.subarray(0, 16)], new Array(16).fill(0))
    assert.equal(hex(encodeDiff(diff)), GOLDEN_DIFF)
    const fresh = new MemStore()
    fresh.integrateDiff(diff)
    assert.equal(fresh.size, 3)
    assert.deepEqual([1, 2, 3].map((seq) => fresh.hasSeen({ replica: B, seq })), [true, true, true], 'every death proven, and seen')
    const unproven = new MemStore()
    unproven.integrateDiff(decodeDiff(Buffer.from(GOLDEN_DIFF_UNPROVEN, 'hex')))
    assert.equal(unproven.size, 3)
    // 3's zero leaf is in the proof that covers entry 4 (its batch), so that death was proven anyway.
    assert.deepEqual([1, 2, 3].map((seq) => unproven.hasSeen({ replica: B, seq })), [false, false, true], 'deaths without evidence are not taken')
  })

  it('refuses another version with an error that says so', () => {
    const bytes = Buffer.from(GOLDEN_OPS, 'hex')
    bytes[0] = 2
    assert.throws(() => decodeOps(bytes), (err: any) => err instanceof UnsupportedVersionError && err instanceof InvalidMessageError && err.version === 2 && /version 2/.test(err.message) && /no writer signatures/.test(err.message))
    const diff = Buffer.from(GOLDEN_DIFF, 'hex')
    diff[0] = 2
    assert.throws(() => decodeDiff(diff), UnsupportedVersionError)
  })
})

const blob = fc.uint8Array({ maxLength: 40 })

describe('wire format round trips', () => {
  it('ops made by real stores', () => {
    fc.assert(fc.property(fc.array(fc.tuple(blob, blob, fc.boolean()), { maxLength: 20 }), (writes) => {
      const a = new MemStore()
      const b = new MemStore()
      a.begin()
      for (const [key, value, remove] of writes) {
        if (remove) a.delete(key)
        else a.set(key, value)
      }
      const ops = a.commitWithOps()
      const bytes = encodeOps(ops)
      assert.deepEqual(encodeOps(decodeOps(bytes)), bytes)
      b.integrateOps(decodeOps(bytes))
      assert.deepEqual(b.entries(), a.entries())
    }), { numRuns: 50 })
  })

  it('a diff request and a diff made by real stores', () => {
    fc.assert(fc.property(fc.array(fc.tuple(blob, blob, fc.boolean()), { maxLength: 40 }), (writes) => {
      const a = new MemStore()
      for (const [key, value, remove] of writes) {
        if (remove) a.delete(key)
        else a.set(key, value)
      }
      const request = new MemStore().requestDiff()
      assert.deepEqual(encodeDiffRequest(decodeDiffRequest(encodeDiffRequest(a.requestDiff()))), encodeDiffRequest(a.requestDiff()))
      const diff = encodeDiff(a.buildDiff(request))
      assert.deepEqual(encodeDiff(decodeDiff(diff)), diff)
    }), { numRuns: 50 })
  })

  it('content digests in a request: a store\'s own carry them (bit 6), a summary without one sends none', async () => {
    const a = new MemStore()
    a.set(te('k'), te('v'))
    // A local entry's leaf is known once its batch is sealed.
    await a.signed()
    const own = a.requestDiff()
    const decoded = decodeDiffRequest(encodeDiffRequest(own))
    assert.deepEqual(decoded.replicas?.map((r) => hex(r.contentDigest!)), own.replicas?.map((r) => hex(r.contentDigest!)))
    assert.notEqual(hex(own.replicas![0].contentDigest!), '00'.repeat(8), 'a live entry\'s leaf is in it')
    const without = { replicas: [...own.replicas!.map(({ replica, seen, liveDigest }) => ({ replica, seen, liveDigest })), { replica: OTHER, seen: ClockSet.of(1), liveDigest: new Uint8Array(8), contentDigest: new Uint8Array(8) }] }
    assert.deepEqual(decodeDiffRequest(encodeDiffRequest(without)).replicas?.map((r) => r.contentDigest), [undefined, undefined])
    const bytes = encodeDiffRequest({ stateHash: new Uint8Array(12) })
    bytes[2] |= 0x40
    assert.throws(() => decodeDiffRequest(bytes), InvalidMessageError, 'content digests only in a full request')
  })

  it('equivocation proofs in a diff group: whole, overlapping, and bounded', () => {
    // Two copies of one writer sign seq 1 each; a store that sees both keeps the pair and sends it with the death.
    const copy1 = new MemStore('copy1', { writer: writerA })
    const copy2 = new MemStore('copy2', { writer: writerA })
    const witness = new MemStore('witness')
    witness.integrateOp(copy1.insertWithOp(te('x'), te('one')))
    witness.integrateOp(copy2.insertWithOp(te('x'), te('two')))
    const diff = witness.buildDiff(new MemStore().requestDiff())
    const group = diff.groups.find((g) => g.replica === A)!
    assert.equal(group.equivocationProofs?.length, 2)
    const bytes = encodeDiff(diff)
    const decoded = decodeDiff(bytes)
    const back = decoded.groups.find((g) => g.replica === A)!
    assert.deepEqual(back.equivocationProofs?.map((p) => [p.first, p.count, hex(p.leaves)]), group.equivocationProofs?.map((p) => [p.first, p.count, hex(p.leaves)]))
    assert.deepEqual(encodeDiff(decoded), bytes)
    // Group flags other than deaths (bit 0) and equivocation proofs (bit 1) are refused.
    const plain = encodeDiff({ ...diff, groups: diff.groups.map((g) => g === group ? { ...g, equivocationProofs: undefined } : g) })
    const flagAt = bytes.findIndex((byte, i) => byte !== plain[i])
    assert.deepEqual([bytes[flagAt], plain[flagAt]], [0x03, 0x01])
    const unknown = Uint8Array.from(bytes)
    unknown[flagAt] = 0x07
    assert.throws(() => decodeDiff(unknown), InvalidMessageError)
    assert.throws(() => encodeDiff({ needsFullRequest: false, groups: [{ ...group, equivocationProofs: Array.from({ length: 129 }, () => group.equivocationProofs![0]) }] }), /more than 128/)
  })
})

const decoders: Array<[string, (bytes: Uint8Array) => unknown, Uint8Array]> = [
  ['decodeOps', decodeOps, Buffer.from(GOLDEN_OPS, 'hex')],
  ['decodeDiffRequest', decodeDiffRequest, Buffer.from(GOLDEN_REQUEST, 'hex')],
  ['decodeDiffRequest (a seen bitmap)', decodeDiffRequest, Buffer.from(GOLDEN_REQUEST_GAPPY, 'hex')],
  ['decodeDiff', decodeDiff, Buffer.from(GOLDEN_DIFF, 'hex')]
]

/** A decoder may return a message or throw InvalidMessageError; anything else is a bug. */
function decodesOrRefuses (decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    decode(bytes)
  } catch (err) {
    if (!(err instanceof InvalidMessageError)) throw err
  }
}

describe('decoder robustness', () => {
  for (const [name, decode, valid] of decoders) {
    it(`${name}: random bytes give a message or an InvalidMessageError`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesOrRefuses(decode, bytes)), { numRuns: 2000 })
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesOrRefuses(decode, Uint8Array.of(valid[0], valid[1], ...bytes))), { numRuns: 2000 })
    })

    it(`${name}: mutated valid messages give a message or an InvalidMessageError`, () => {
      fc.assert(fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (mutations, cut) => {
          const bytes = Uint8Array.from(valid)
          for (const [at, value] of mutations) bytes[at % bytes.length] = value
          decodesOrRefuses(decode, bytes)
          decodesOrRefuses(decode, bytes.subarray(0, cut % (bytes.length + 1)))
        }
      ), { numRuns: 3000 })
    })
  }

  it('what a decoder accepts a store can integrate, and a refused message changes nothing', () => {
    const store = new MemStore()
    store.set(te('x'), te('y'))
    const before = store.entries()
    const ops = Buffer.from(GOLDEN_OPS, 'hex')
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 0, max: 255 }), (at, value) => {
      const bytes = Uint8Array.from(ops)
      bytes[at % bytes.length] = value
      let decoded: Op[]
      try {
        decoded = decodeOps(bytes)
      } catch {
        assert.deepEqual(store.entries(), before)
        return
      }
      // A change the decoder cannot see breaks the signature: refused whole, with nothing changed.
      const target = new MemStore()
      try {
        target.integrateOps(decoded)
      } catch (err: any) {
        assert.equal(err.name, 'InvalidSignatureError')
        assert.equal(target.size, 0)
      }
    }), { numRuns: 1000 })
  })

  it('refuses a clock set that claims more buckets than it holds', () => {
    const bytes = ClockSet.of(1).serialize()
    bytes[0] = 200
    assert.throws(() => ClockSet.deserialize(bytes), InvalidMessageError)
  })
})
