// Mutators: each takes a message and returns a changed copy and a line saying what it did. The
// runner stacks a few per case. Generic ones work on any bytes; those in ./fields.ts know where a
// message keeps its counts and ids.

import { varintFields, idFields, type Field } from './fields.ts'
import type { Kind } from './generators.ts'
import type { Rng } from './prng.ts'

export interface Mutant {
  readonly bytes: Uint8Array
  readonly step: string
}

/** What a mutator sees: the message, its kind, and another valid message to splice in. */
export interface MutationInput {
  readonly bytes: Uint8Array
  readonly kind: Kind
  readonly other: Uint8Array
}

type Mutator = (rng: Rng, input: MutationInput) => Mutant

/** Values that sit at the edges of what a varint, a seq, a count or a wall can be. */
const HUGE = [2 ** 32 - 1, 2 ** 32, 2 ** 33 + 7, 2 ** 35, 2 ** 39, 2 ** 48 - 1, 2 ** 48, 2 ** 53 - 1, 2 ** 31, 0xffff + 1]

/** Unsigned LEB128, as long as the value needs (up to 8 bytes for 2^53 - 1). */
export function leb128 (value: number): Uint8Array {
  const out: number[] = []
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80)
    value = Math.floor(value / 0x80)
  }
  out.push(value)
  return Uint8Array.from(out)
}

/** A varint the reader must refuse or bound: huge, 10 bytes long, or a small value spelled overlong. */
function hugeVarint (rng: Rng): { bytes: Uint8Array, what: string } {
  const r = rng.int(4)
  if (r === 0) return { bytes: Uint8Array.of(...new Array(9).fill(0xff), 0x01), what: '10-byte overlong varint' }
  if (r === 1) {
    const length = rng.range(2, 9)
    const bytes = new Uint8Array(length).fill(0x80)
    bytes[0] = 0x80 | rng.int(4)
    bytes[length - 1] = 0
    return { bytes, what: `${length}-byte overlong small varint` }
  }
  const value = r === 2 ? rng.pick(HUGE) : rng.int(2 ** 53)
  return { bytes: leb128(value), what: `varint ${value}` }
}

/** How many bytes the varint at `at` spans (at most 10). */
function varintLength (bytes: Uint8Array, at: number): number {
  let n = 0
  while (at + n < bytes.byteLength && n < 10 && bytes[at + n] >= 0x80) n++
  return Math.min(n + 1, bytes.byteLength - at)
}

function replace (bytes: Uint8Array, at: number, length: number, insert: Uint8Array): Uint8Array {
  // A field found in the message before an earlier step shortened it may lie past its end.
  at = Math.min(at, bytes.byteLength)
  length = Math.min(length, bytes.byteLength - at)
  const out = new Uint8Array(bytes.byteLength - length + insert.byteLength)
  out.set(bytes.subarray(0, at))
  out.set(insert, at)
  out.set(bytes.subarray(at + length), at + insert.byteLength)
  return out
}

const bitFlip: Mutator = (rng, { bytes }) => {
  const out = bytes.slice()
  if (out.byteLength === 0) return { bytes: out, step: 'bit flip (empty)' }
  const at = rng.int(out.byteLength)
  const bit = rng.int(8)
  out[at] ^= 1 << bit
  return { bytes: out, step: `flip bit ${bit} of byte ${at}` }
}

const byteSet: Mutator = (rng, { bytes }) => {
  const out = bytes.slice()
  if (out.byteLength === 0) return { bytes: out, step: 'byte set (empty)' }
  const at = rng.int(out.byteLength)
  const value = rng.pick([0, 1, 2, 0x7f, 0x80, 0xff, rng.int(256)])
  out[at] = value
  return { bytes: out, step: `byte ${at} = ${value}` }
}

const truncate: Mutator = (rng, { bytes }) => {
  const at = rng.int(bytes.byteLength + 1)
  return { bytes: bytes.slice(0, at), step: `truncate to ${at}` }
}

const extend: Mutator = (rng, { bytes }) => {
  const tail = rng.bytes(rng.size(300))
  return { bytes: replace(bytes, bytes.byteLength, 0, tail), step: `append ${tail.byteLength} random bytes` }
}

const splice: Mutator = (rng, { bytes, other }) => {
  const cut = rng.int(bytes.byteLength + 1)
  const from = rng.int(other.byteLength + 1)
  return { bytes: replace(bytes, cut, bytes.byteLength - cut, other.subarray(from)), step: `splice at ${cut} the other message from ${from}` }
}

/** A huge varint over a varint the message has (found by its layout), or at any offset. */
const hugeVarintAt: Mutator = (rng, { bytes, kind }) => {
  const fields = varintFields(kind, bytes)
  const field: Field = fields.length > 0 && rng.chance(0.7) ? rng.pick(fields) : { at: rng.int(bytes.byteLength + 1), what: 'offset' }
  const { bytes: varint, what } = hugeVarint(rng)
  const overwrite = field.what !== 'offset' || rng.chance(0.5)
  const length = overwrite && field.at < bytes.byteLength ? varintLength(bytes, field.at) : 0
  return { bytes: replace(bytes, field.at, length, varint), step: `${what} ${overwrite ? 'over' : 'inserted at'} ${field.what} at ${field.at}` }
}

/** A replica id repeated: the table entry copied once or many times (the same id, or ids one apart). */
const repeatId: Mutator = (rng, { bytes, kind }) => {
  const ids = idFields(kind, bytes)
  const at = ids.length > 0 ? rng.pick(ids).at : rng.int(Math.max(1, bytes.byteLength - 15))
  const id = bytes.slice(at, at + 16)
  const times = rng.pick([1, 2, rng.range(3, 64), rng.range(100, 4000)])
  const distinct = rng.chance(0.5)
  const copies = new Uint8Array(times * id.byteLength)
  for (let i = 0; i < times; i++) {
    const end = (i + 1) * id.byteLength
    copies.set(id, i * id.byteLength)
    if (distinct && id.byteLength === 16) {
      copies[end - 1] ^= i & 0xff
      copies[end - 2] ^= i >>> 8
    }
  }
  let out = replace(bytes, at, 0, copies)
  let step = `${times} ${distinct ? 'distinct ids near' : 'copies of'} the id at ${at}`
  // Raise the table's count to match, if the message has one to raise.
  const count = varintFields(kind, bytes).find((f) => f.what === 'replica count' || f.what === 'group count')
  if (count != null && count.at < at) {
    const old = readVarint(bytes, count.at)
    out = replace(out, count.at, varintLength(out, count.at), leb128(old + times))
    step += `, ${count.what} ${old + times}`
  }
  return { bytes: out, step }
}

function readVarint (bytes: Uint8Array, at: number): number {
  let value = 0
  let scale = 1
  for (let i = at; i < bytes.byteLength && i < at + 8; i++) {
    value += (bytes[i] & 0x7f) * scale
    if (bytes[i] < 0x80) break
    scale *= 0x80
  }
  return value
}

/** A fixed-width field (records are u16/u32/u64 little-endian) set to an edge value. */
const wideField: Mutator = (rng, { bytes }) => {
  const width = rng.pick([2, 4, 8])
  if (bytes.byteLength < width) return { bytes: bytes.slice(), step: 'wide field (too short)' }
  const at = rng.int(bytes.byteLength - width + 1)
  const out = bytes.slice()
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  let value: bigint
  if (width === 2) view.setUint16(at, Number(value = rng.pick([0n, 1n, 0xffffn])), true)
  else if (width === 4) view.setUint32(at, Number(value = rng.pick([0n, 1n, 0x8000_0000n, 0xffff_ffffn])), true)
  else view.setBigUint64(at, value = rng.pick([0n, 1n, 2n ** 48n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n]), true)
  return { bytes: out, step: `u${width * 8} at ${at} = ${value}` }
}

/** Mutators by how often the runner picks them. */
const MUTATORS: Array<[Mutator, number]> = [
  [bitFlip, 5], [byteSet, 4], [truncate, 2], [extend, 1], [splice, 2], [hugeVarintAt, 4], [repeatId, 2], [wideField, 2]
]
const TOTAL = MUTATORS.reduce((sum, [, weight]) => sum + weight, 0)

/** One to four mutations, stacked. */
export function mutate (rng: Rng, input: MutationInput): { bytes: Uint8Array, steps: string[] } {
  let bytes = input.bytes
  const steps: string[] = []
  for (let n = rng.chance(0.6) ? 1 : rng.range(2, 4); n > 0; n--) {
    let pick = rng.int(TOTAL)
    let i = 0
    while (pick >= MUTATORS[i][1]) pick -= MUTATORS[i++][1]
    const mutant = MUTATORS[i][0](rng, { ...input, bytes })
    bytes = mutant.bytes
    steps.push(mutant.step)
  }
  return { bytes, steps }
}
