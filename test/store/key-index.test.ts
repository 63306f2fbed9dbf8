import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import '../../src/index.ts'
import { EntryRows, NO_ROW, type Row } from '../../src/store/entry-rows.ts'
import { hashKey } from '../../src/store/key-hash.ts'
import { KeyIndex } from '../../src/store/key-index.ts'
import { ReplicaState } from '../../src/store/replica-state.ts'
import { bytesToKeyString } from '../../src/store/key-string.ts'
import { collidingKeys } from './colliding-keys.ts'

describe('KeyIndex', () => {
  it('agrees with a Map through random sets and deletes, colliding hashes included', () => {
    // Few distinct hashes force long probe runs, wrap-around and backward shifts on delete.
    const hashModes = fc.constantFrom((key: Uint8Array) => hashKey(key, 0, key.byteLength), (key: Uint8Array) => (key[0] ?? 0) % 3, () => 7)
    // A set goes through set() or through find() and putAt(), as a store's write does.
    const actions = fc.array(fc.record({ key: fc.uint8Array({ minLength: 0, maxLength: 3 }), remove: fc.boolean(), viaSlot: fc.boolean() }), { maxLength: 300 })
    fc.assert(fc.property(hashModes, actions, (hashOf, steps) => {
      const rows = new EntryRows()
      const replica = new ReplicaState('0'.repeat(32))
      replica.index = rows.addWriter(replica)
      // The index's public hash, made to collide here: past MAX_PROBE it turns to a keyed one.
      const index = new KeyIndex(rows, (bytes, start, length) => hashOf(bytes.subarray(start, start + length)))
      const model = new Map<string, Row>()
      let seq = 1
      for (const { key, remove, viaSlot } of steps) {
        const name = bytesToKeyString(key)
        const hash = index.hash(key, 0, key.byteLength)
        const current = index.get(key, 0, key.byteLength, hash)
        assert.equal(current, model.get(name) ?? NO_ROW)
        if (remove) {
          if (current !== NO_ROW) index.delete(current)
          model.delete(name)
        } else {
          const row = rows.append(key, Uint8Array.of(seq), replica, seq++, { wall: 0, counter: 0 }, NO_ROW)
          if (viaSlot) index.putAt(index.find(key, 0, key.byteLength, hash), row, hash)
          else index.set(row)
          model.set(name, row)
        }
        assert.equal(index.size, model.size)
      }
      for (const [name, row] of model) {
        const key = rows.key(row)
        assert.equal(index.get(key, 0, key.byteLength, index.hash(key, 0, key.byteLength)), row, `lost ${JSON.stringify(name)}`)
        assert.equal(index.chainOf(row), row)
      }
      assert.equal([...index.heads()].length, model.size)
    }), { numRuns: 300 })
  })

  it('files keys made to collide under murmur3 under a secret keyed hash, and keeps every one', () => {
    const rows = new EntryRows()
    const replica = new ReplicaState('0'.repeat(32))
    replica.index = rows.addWriter(replica)
    const index = new KeyIndex(rows)
    const put = (key: Uint8Array, seq: number): Row => {
      const row = rows.append(key, Uint8Array.of(seq & 0xff), replica, seq, { wall: 0, counter: 0 }, NO_ROW)
      index.putAt(index.find(key, 0, key.byteLength, index.hash(key, 0, key.byteLength)), row, index.hash(key, 0, key.byteLength))
      return row
    }
    const honest = Array.from({ length: 1000 }, (_, i) => Uint8Array.of(i & 0xff, i >>> 8, 7))
    const placed = new Map<Row, Uint8Array>()
    honest.forEach((key, i) => placed.set(put(key, i + 1), key))
    assert.equal(index.keyed, false, 'honest keys never probe far enough to turn the index keyed')
    const crafted = collidingKeys(2000)
    assert.equal(new Set(crafted.map((key) => hashKey(key, 0, 16))).size, 1)
    crafted.forEach((key, i) => placed.set(put(key, 2000 + i), key))
    assert.equal(index.keyed, true)
    assert.equal(index.size, 3000)
    // Under the secret the crafted keys spread like any others.
    assert.ok(new Set(crafted.map((key) => index.hash(key, 0, 16))).size > 1900)
    for (const [row, key] of placed) {
      assert.equal(index.get(key, 0, key.byteLength, index.hash(key, 0, key.byteLength)), row)
      assert.equal(index.chainOf(row), row)
    }
    for (const [row] of placed) index.delete(row)
    assert.equal(index.size, 0)
    assert.equal([...index.heads()].length, 0)
  })
})
