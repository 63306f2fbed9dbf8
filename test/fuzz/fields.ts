// Where a message keeps its counts, ranges and replica ids, read from its layout (see
// src/protocols/wire/README.md), so that the mutators can aim at them. Reading stops quietly at
// the first thing that does not parse: a message mutated before may be anything.

import { ClockSet } from '../../src/index.ts'
import type { Kind } from './generators.ts'

export interface Field {
  readonly at: number
  readonly what: string
}

class Cursor {
  pos: number
  constructor (readonly bytes: Uint8Array, pos: number) {
    this.pos = pos
  }

  varint (): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.bytes.byteLength) throw new RangeError('truncated')
      const byte = this.bytes[this.pos++]
      value += (byte & 0x7f) * scale
      if (byte < 0x80) return value
      scale *= 0x80
    }
    throw new RangeError('long varint')
  }

  skip (n: number): void {
    if (this.pos + n > this.bytes.byteLength) throw new RangeError('truncated')
    this.pos += n
  }

  clockSet (): void {
    this.pos += ClockSet.read(this.bytes, this.pos).length
  }
}

interface Layout {
  varints: Field[]
  ids: Field[]
}

function opsLayout (c: Cursor, out: Layout): void {
  out.varints.push({ at: c.pos, what: 'replica count' })
  const count = c.varint()
  for (let i = 0; i < count; i++) {
    out.ids.push({ at: c.pos, what: `table id ${i}` })
    c.skip(16)
  }
}

function requestLayout (c: Cursor, out: Layout): void {
  const flags = c.bytes[c.pos++]
  if ((flags & 2) !== 0) c.skip(12)
  if ((flags & 4) !== 0) c.skip(16)
  if ((flags & 8) !== 0) c.skip(16)
  if ((flags & 1) === 0) return
  out.varints.push({ at: c.pos, what: 'replica count' })
  const count = c.varint()
  for (let i = 0; i < count; i++) {
    out.ids.push({ at: c.pos, what: `summary id ${i}` })
    c.skip(24)
    out.varints.push({ at: c.pos, what: `seen-max ${i}` })
    if (c.varint() === 0) c.clockSet()
  }
  if ((flags & 0x20) === 0) return
  out.varints.push({ at: c.pos, what: 'suspect count' })
  const suspects = c.varint()
  for (let i = 0; i < suspects; i++) {
    out.varints.push({ at: c.pos, what: `suspects index ${i}` })
    c.varint()
    c.clockSet()
  }
}

function diffLayout (c: Cursor, out: Layout): void {
  c.skip(1)
  out.varints.push({ at: c.pos, what: 'group count' })
  const groups = c.varint()
  for (let g = 0; g < groups; g++) {
    out.ids.push({ at: c.pos, what: `group id ${g}` })
    c.skip(16)
    out.varints.push({ at: c.pos, what: `entry count ${g}` })
    const entries = c.varint()
    for (let e = 0; e < entries; e++) {
      out.varints.push({ at: c.pos, what: `seq step ${g}.${e}` })
      c.varint()
      out.varints.push({ at: c.pos, what: `key length ${g}.${e}` })
      const keyLength = c.varint()
      out.varints.push({ at: c.pos, what: `value length ${g}.${e}` })
      c.skip(c.varint() + keyLength)
      out.varints.push({ at: c.pos, what: `hlc step ${g}.${e}` })
      if (c.varint() !== 0) c.varint()
    }
    if (c.bytes[c.pos++] === 1) c.clockSet()
  }
}

const LAYOUTS: Partial<Record<Kind, (c: Cursor, out: Layout) => void>> = { ops: opsLayout, 'diff-request': requestLayout, diff: diffLayout }

// The same message is asked about by several mutators of one case.
let lastBytes: Uint8Array | undefined
let lastLayout: Layout = { varints: [], ids: [] }

function layout (kind: Kind, bytes: Uint8Array): Layout {
  if (bytes === lastBytes) return lastLayout
  const out: Layout = { varints: [], ids: [] }
  const read = LAYOUTS[kind]
  if (read != null && bytes.byteLength > 2) {
    try {
      read(new Cursor(bytes, 2), out)
    } catch {}
  }
  lastBytes = bytes
  lastLayout = out
  return out
}

/** The varint counts and ranges of a message, as far as it parses. */
export function varintFields (kind: Kind, bytes: Uint8Array): Field[] {
  return layout(kind, bytes).varints
}

/** Where the message's replica ids start. */
export function idFields (kind: Kind, bytes: Uint8Array): Field[] {
  return layout(kind, bytes).ids
}
