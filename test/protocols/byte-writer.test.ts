// The encoders' shared buffers: a small message is written straight into a shared slab and handed
// out as a view of it, so no later message may overwrite it, and a message that outgrows what it
// expected must come out whole.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ByteWriter } from '../../src/protocols/wire/byte-writer.ts'
import { ByteReader } from '../../src/protocols/wire/byte-reader.ts'
import { ReplicaTable } from '../../src/protocols/wire/op-bodies.ts'

function message (length: number, fill: number, capacity: number): Uint8Array {
  const writer = new ByteWriter(capacity)
  writer.varint(length)
  for (let i = 0; i < length; i++) writer.u8((fill + i) & 0xff)
  return writer.finish()
}

function check (bytes: Uint8Array, length: number, fill: number): void {
  const reader = new ByteReader(bytes)
  assert.equal(reader.varint('length'), length)
  for (let i = 0; i < length; i++) assert.equal(reader.u8('byte'), (fill + i) & 0xff)
  reader.end()
}

describe('ByteWriter', () => {
  it('hands out messages that later ones leave unchanged, small or large, within or past their expected size', () => {
    const made: Array<[Uint8Array, number, number]> = []
    for (let i = 0; i < 400; i++) {
      // Lengths cross the 2 KiB pooling limit and the 8 KiB slab; capacities under- and overestimate.
      const length = [3, 177, 700, 2047, 2100, 5000, 9000][i % 7]
      const capacity = [1, 64, length + 8, 4096][i % 4]
      made.push([message(length, i, capacity), length, i])
    }
    for (const [bytes, length, fill] of made) check(bytes, length, fill)
  })

  it('a message over 2 KiB has a buffer of its own', () => {
    const big = message(3000, 7, 16)
    assert.equal(big.byteOffset, 0)
    assert.equal(big.buffer.byteLength, big.byteLength)
    check(big, 3000, 7)
  })
})

describe('ReplicaTable', () => {
  it('indexes writers by first appearance, past the length it scans', () => {
    const table = new ReplicaTable()
    const ids = Array.from({ length: 40 }, (_, i) => i.toString(16).padStart(32, '0'))
    for (const id of ids) assert.equal(table.index(id), ids.indexOf(id))
    for (const id of [...ids].reverse()) assert.equal(table.index(id), ids.indexOf(id))
    assert.equal(table.size, 40)
    assert.deepEqual(table.ids, ids)
    assert.equal(table.get('f'.repeat(32)), undefined)
    assert.equal(new ReplicaTable().size, 0)
  })
})
