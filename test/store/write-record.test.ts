import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EntryRows, NO_ROW } from '../../src/store/entry-rows.ts'
import { WriteRecords } from '../../src/store/write-record.ts'

describe('WriteRecords', () => {
  it('keeps every record in order, from the first (held apart) through growth', () => {
    for (const count of [0, 1, 2, 17, 100, 5000]) {
      const records = new WriteRecords(new EntryRows())
      for (let i = 0; i < count; i++) records.push(i % 3 === 0 ? NO_ROW : i, i % 3 === 0 ? i : NO_ROW)
      assert.equal(records.length, count)
      for (let i = 0; i < count; i++) {
        assert.equal(records.before(i), i % 3 === 0 ? NO_ROW : i)
        assert.equal(records.after(i), i % 3 === 0 ? i : NO_ROW)
      }
    }
  })
})
