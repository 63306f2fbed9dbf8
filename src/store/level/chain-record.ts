// The live entries at one key (siblings, usually one), as a format 1 to 3 'V' record holds them
// and as a format 4 pack (pack-codec.ts) holds each key's:
//
//   u32 count, then per entry: replica id (16), u64 seq, u64 wall, u16 counter,
//   u32 value length, value bytes                                               (all LE)

import { MAX_SEQ } from '../clock-set.ts'
import { MAX_COUNTER, MAX_WALL } from '../hlc.ts'
import { MAX_VALUE_BYTES } from '../limits.ts'
import { REPLICA_ID_BYTES, replicaIdAt } from '../replica-id.ts'
import type { ChainEntry } from '../entry-rows.ts'
import type { Hlc, ReplicaId } from '../types.ts'
import { corrupt, getU64, setU64, viewOf } from './record-fields.ts'

const ENTRY_HEADER = REPLICA_ID_BYTES + 8 + 8 + 2 + 4

/** An entry as read back, before it joins the store. */
export interface StoredEntry {
  readonly replica: ReplicaId
  readonly seq: number
  readonly hlc: Hlc
  readonly value: Uint8Array
}

/** The bytes {@link writeChain} takes for `chain`. */
export function chainBytes (chain: readonly ChainEntry[]): number {
  let length = 4
  for (const entry of chain) length += ENTRY_HEADER + entry.value.byteLength
  return length
}

/** Writes the siblings at a key, in chain order, at `pos` of `out`; returns where they end. */
export function writeChain (out: Uint8Array, view: DataView, pos: number, chain: readonly ChainEntry[]): number {
  view.setUint32(pos, chain.length, true)
  pos += 4
  for (const entry of chain) {
    const value = entry.value
    out.set(entry.writer.idBytes, pos)
    setU64(view, pos + 16, entry.seq)
    setU64(view, pos + 24, entry.wall)
    view.setUint16(pos + 32, entry.counter, true)
    view.setUint32(pos + 34, value.byteLength, true)
    out.set(value, pos + ENTRY_HEADER)
    pos += ENTRY_HEADER + value.byteLength
  }
  return pos
}

/** The siblings at a key, in chain order. */
export function encodeChain (chain: readonly ChainEntry[]): Uint8Array {
  const out = new Uint8Array(chainBytes(chain))
  writeChain(out, viewOf(out), 0, chain)
  return out
}

/** A whole 'V' record's entries: at least one, and nothing after them. */
export function decodeChain (bytes: Uint8Array): StoredEntry[] {
  if (bytes.byteLength < 4) corrupt('truncated entry record')
  const entries: StoredEntry[] = []
  const end = readChain(bytes, viewOf(bytes), 0, entries)
  if (entries.length === 0) corrupt('empty entry record')
  if (end !== bytes.byteLength) corrupt('trailing bytes after entries')
  return entries
}

/**
 * Reads the siblings written at `pos` into `entries` (none for a key whose entries all died),
 * checking every field; values are views into `bytes`. Returns where they end.
 */
export function readChain (bytes: Uint8Array, view: DataView, pos: number, entries: StoredEntry[]): number {
  if (pos + 4 > bytes.byteLength) corrupt('truncated entry record')
  const count = view.getUint32(pos, true)
  pos += 4
  for (let i = 0; i < count; i++) {
    if (pos + ENTRY_HEADER > bytes.byteLength) corrupt('truncated entry')
    const seq = getU64(view, pos + 16, MAX_SEQ, 'seq')
    if (seq < 1) corrupt('seq 0')
    const wall = getU64(view, pos + 24, MAX_WALL, 'wall')
    const counter = view.getUint16(pos + 32, true)
    const length = view.getUint32(pos + 34, true)
    if (counter > MAX_COUNTER || length > MAX_VALUE_BYTES) corrupt('entry header out of range')
    const start = pos + ENTRY_HEADER
    if (start + length > bytes.byteLength) corrupt('truncated value')
    entries.push({
      replica: replicaIdAt(bytes, pos),
      seq,
      hlc: { wall, counter },
      value: bytes.subarray(start, start + length)
    })
    pos = start + length
  }
  return pos
}
