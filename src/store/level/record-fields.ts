// The fixed-width fields of a stored record, and the one error every malformed record gets: a
// value read back out of range is damage on the disk, refused as such.

import { CorruptStoreError } from '../errors.ts'

export const TWO_32 = 0x1_0000_0000

export function corrupt (why: string): never {
  throw new CorruptStoreError(`corrupt store: ${why}`)
}

export function viewOf (bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function setU64 (view: DataView, at: number, value: number): void {
  view.setUint32(at, value >>> 0, true)
  view.setUint32(at + 4, Math.floor(value / TWO_32), true)
}

export function getU64 (view: DataView, at: number, max: number, what: string): number {
  const value = view.getUint32(at + 4, true) * TWO_32 + view.getUint32(at, true)
  if (value > max) corrupt(`${what} ${value} out of range`)
  return value
}
