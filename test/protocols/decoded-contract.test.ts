// The contract between the wire codecs and the store, in types: a decoder's message is branded
// (Decoded<T>) and not checked again, anything else is; an encoder copies an entry from where the
// store keeps it when the entry says where (EntrySource), and the bytes are the same either way.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidArgumentError, MemStore, decodeDiff, decodeOps, encodeDiff, encodeOps, type Decoded, type Diff, type Op } from '../../src/index.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('wire contracts', () => {
  it('a decoded message is taken as checked; a copy of it, changed, is checked again', () => {
    const writer = new MemStore()
    const decoded: Decoded<Op[]> = decodeOps(encodeOps([writer.insertWithOp(bytes('k'), bytes('v'))]))
    const copy = decoded.map((op) => ({ ...op, key: 'not bytes' })) as unknown as Op[]
    const store = new MemStore()
    assert.throws(() => { store.integrateOps(copy) }, InvalidArgumentError)
    assert.equal(store.size, 0)
    store.integrateOps(decoded)
    assert.deepEqual(store.get(bytes('k')), bytes('v'))
    assert.equal(JSON.stringify(decoded).includes('decoded'), false, 'the brand is no data')
  })

  it('a diff of the store\'s own entries encodes as the same diff of plain entries', () => {
    const store = new MemStore()
    store.begin()
    for (let i = 0; i < 100; i++) store.set(bytes(`key ${i}`), bytes(`value ${i}`))
    store.commit()
    const diff = store.buildDiff(new MemStore().requestDiff())
    assert.ok(diff.groups[0].entries.every((entry) => entry.source != null), 'the store says where its entries are')
    const plain: Diff = { ...diff, groups: diff.groups.map((group) => ({ ...group, entries: group.entries.map(({ key, value, seq, hlc }) => ({ key: key.slice(), value: value.slice(), seq, hlc })) })) }
    assert.deepEqual(encodeDiff(plain), encodeDiff(diff))
    const peer = new MemStore()
    peer.integrateDiff(decodeDiff(encodeDiff(plain)))
    assert.deepEqual(peer.stateHash(), store.stateHash())
  })
})
