import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import '../../src/index.ts'
import { EntryRows, NO_ROW, type Row } from '../../src/store/entry-rows.ts'
import { hashKey } from '../../src/store/key-hash.ts'
import { KeyIndex } from '../../src/store/key-index.ts'
import { ReplicaState } from '../../src/store/replica-state.ts'
import { bytesToKeyString } from '../../src/store/key-string.ts'

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
      // The index hashes a row's key through the rows: made to collide here.
      rows.keyHash = (row: Row) => hashOf(rows.key(row))
      const index = new KeyIndex(rows)
      const model = new Map<string, Row>()
      let seq = 1
      for (const { key, remove, viaSlot } of steps) {
        const name = bytesToKeyString(key)
        const hash = hashOf(key)
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
        assert.equal(index.get(key, 0, key.byteLength, hashOf(key)), row, `lost ${JSON.stringify(name)}`)
        assert.equal(index.chainOf(row), row)
      }
      assert.equal([...index.heads()].length, model.size)
    }), { numRuns: 300 })
  })
})
