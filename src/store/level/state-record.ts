// The value of the 'M' "state" record (record-keys.ts): what survives a commit besides entries
// and seen sets.
//
//   u64 nextSeq, u64 reserved, u64 hlc wall, u16 hlc counter,
//   u64 keys, u64 writers, u64 batch                                            (all LE)
//
// Format 1 stored the first four fields alone (26 bytes). `keys` and `writers` count the 'T' (in
// formats 2 and 3, 'V') and 'S' records, so a record that vanished is noticed; `batch` numbers
// the batches, so that the seal a clean close leaves (see node-store-files.ts) shows when the log
// lost commits.

import { MAX_SEQ } from '../clock-set.ts'
import { MAX_WALL } from '../hlc.ts'
import type { Hlc } from '../types.ts'
import { CHECKED_FORMAT } from './record-codec.ts'
import { corrupt, getU64, setU64, viewOf } from './record-fields.ts'
import { SeqReservation } from './seq-reservation.ts'

const STATE_V1_BYTES = 8 + 8 + 8 + 2
const STATE_BYTES = STATE_V1_BYTES + 8 + 8 + 8

/** What survives a commit besides entries and seen sets. */
export interface StoreState {
  /** The seq the next local set takes. */
  readonly nextSeq: number
  /** Every local seq up to this one may have been handed out (see SeqReservation). */
  readonly reserved: number
  readonly clock: Hlc
  /** How many 'V' (key) and 'S' (writer) records the database holds; unknown in format 1. */
  readonly keys?: number
  readonly writers?: number
  /** The number of the batch that wrote this state; 0 in format 1. */
  readonly batch: number
}

export function encodeState (state: StoreState): Uint8Array {
  const out = new Uint8Array(STATE_BYTES)
  const view = viewOf(out)
  setU64(view, 0, state.nextSeq)
  setU64(view, 8, state.reserved)
  setU64(view, 16, state.clock.wall)
  view.setUint16(24, state.clock.counter, true)
  setU64(view, 26, state.keys ?? 0)
  setU64(view, 34, state.writers ?? 0)
  setU64(view, 42, state.batch)
  return out
}

/** The state record's value (checksum already checked), in the layout of `version`. */
export function decodeState (bytes: Uint8Array | undefined, version: number): StoreState {
  const expected = version < CHECKED_FORMAT ? STATE_V1_BYTES : STATE_BYTES
  if (bytes?.byteLength !== expected) corrupt('missing or malformed state record')
  const view = viewOf(bytes)
  const nextSeq = getU64(view, 0, MAX_SEQ, 'next seq')
  if (nextSeq < 1) corrupt('next seq 0')
  // A store reserves at most a chunk beyond its next seq; a larger reservation would have the
  // next open mark every seq up to it dead, a claim of the disk's we need not take on trust.
  const reserved = getU64(view, 8, Math.min(MAX_SEQ, nextSeq - 1 + SeqReservation.CHUNK), 'reserved seq')
  const common = {
    nextSeq,
    reserved,
    clock: { wall: getU64(view, 16, MAX_WALL, 'clock wall'), counter: view.getUint16(24, true) }
  }
  if (version < CHECKED_FORMAT) return { ...common, batch: 0 }
  return {
    ...common,
    keys: getU64(view, 26, Number.MAX_SAFE_INTEGER, 'key count'),
    writers: getU64(view, 34, Number.MAX_SAFE_INTEGER, 'writer count'),
    batch: getU64(view, 42, Number.MAX_SAFE_INTEGER, 'batch number')
  }
}
