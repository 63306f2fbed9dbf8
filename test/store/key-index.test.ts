import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import '../../src/index.ts'
import { EntryArena } from '../../src/store/entry-arena.ts'
import { KeyIndex, hashKey } from '../../src/store/key-index.ts'
import { Entry, ReplicaState } from '../../src/store/replica-state.ts'
import { bytesToKeyString } from '../../src/store/key-string.ts'

describe('KeyIndex', () => {
  it('agrees with a Map through random sets and deletes, colliding hashes included', () => {
    const replica = new ReplicaState('0'.repeat(32))
    // Few distinct hashes force long probe runs, wrap-around and backward shifts on delete.
    const hashModes = fc.constantFrom((key: Uint8Array) => hashKey(key, 0, key.byteLength), (key: Uint8Array) => (key[0] ?? 0) % 3, () => 7)
    // A set goes through set() or through find() and putAt(), as a store's write does.
    const actions = fc.array(fc.record({ key: fc.uint8Array({ minLength: 0, maxLength: 3 }), remove: fc.boolean(), viaSlot: fc.boolean() }), { maxLength: 300 })
    fc.assert(fc.property(hashModes, actions, (hashOf, steps) => {
      const arena = new EntryArena()
      const index = new KeyIndex()
      const model = new Map<string, Entry>()
      let seq = 1
      for (const { key, remove, viaSlot } of steps) {
        const name = bytesToKeyString(key)
        const hash = hashOf(key)
        const current = index.get(key, 0, key.byteLength, hash)
        assert.equal(current, model.get(name))
        if (remove) {
          if (current != null) index.delete(current)
          model.delete(name)
        } else {
          arena.append(key, Uint8Array.of(seq))
          const entry = new Entry(arena.lastChunk, arena.lastOffset, key.byteLength, 1, hash, replica, seq++, 0, 0, undefined)
          if (viaSlot) index.putAt(index.find(key, 0, key.byteLength, hash), entry)
          else index.set(entry)
          model.set(name, entry)
        }
        assert.equal(index.size, model.size)
      }
      for (const [name, entry] of model) {
        assert.equal(index.get(entry.key, 0, entry.keyLength, entry.hash), entry, `lost ${JSON.stringify(name)}`)
        assert.equal(index.chainOf(entry), entry)
      }
      assert.equal([...index.heads()].length, model.size)
    }), { numRuns: 300 })
  })
})
