import { bitmapBackend, type Bitmap32 } from './bitmap/backend.ts'
import { validatePortableBitmap } from './bitmap/portable-format.ts'
import { InvalidMessageError } from './errors.ts'
import { MAX_SEQ } from './limits.ts'
import { sortedHighs, TWO_32, type SeqBuckets } from './seq-buckets.ts'

/** The top bucket: MAX_SEQ is its last value, so any low 32 bits under it are in range. */
const MAX_HIGH = Math.floor(MAX_SEQ / TWO_32)

/** CRoaring's 64-bit portable format: u64 bucket count, then per bucket a u32 key and a 32-bit portable bitmap. */
export function serializeBuckets (buckets: SeqBuckets): Uint8Array {
  const parts: Array<[number, Uint8Array]> = []
  for (const high of sortedHighs(buckets)) {
    const bitmap = buckets.get(high)!
    if (!bitmap.isEmpty) parts.push([high, bitmap.serializePortable()])
  }
  let length = 8
  for (const [, bytes] of parts) length += 4 + bytes.byteLength
  const out = new Uint8Array(length)
  const view = new DataView(out.buffer)
  view.setUint32(0, parts.length, true)
  let pos = 8
  for (const [high, bytes] of parts) {
    view.setUint32(pos, high, true)
    out.set(bytes, pos + 4)
    pos += 4 + bytes.byteLength
  }
  return out
}

/**
 * Reads the buckets of one serialized set from `bytes[offset…]`, validating every byte before
 * the backend sees any; returns them (empty ones left out) and their length.
 */
export function readBuckets (bytes: Uint8Array, offset: number): { buckets: SeqBuckets, length: number } {
  if (offset + 8 > bytes.byteLength) throw new InvalidMessageError('invalid clock set: truncated')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const count = view.getUint32(offset, true)
  if (view.getUint32(offset + 4, true) !== 0 || count > MAX_HIGH + 1) {
    throw new InvalidMessageError('invalid clock set: too many buckets')
  }
  let pos = offset + 8
  const ranges: Array<[number, number, number]> = []
  let previousHigh = -1
  for (let i = 0; i < count; i++) {
    if (pos + 4 > bytes.byteLength) throw new InvalidMessageError('invalid clock set: truncated')
    const high = view.getUint32(pos, true)
    if (high <= previousHigh) throw new InvalidMessageError('invalid clock set: buckets out of order')
    if (high > MAX_HIGH) throw new InvalidMessageError('invalid clock set: seq beyond the largest (2^48 - 1)')
    previousHigh = high
    const length = validatePortableBitmap(bytes, pos + 4)
    ranges.push([high, pos + 4, length])
    pos += 4 + length
  }
  const backend = bitmapBackend()
  const buckets = new Map<number, Bitmap32>()
  for (const [high, start, length] of ranges) {
    const bitmap = backend.deserializePortable(bytes.subarray(start, start + length))
    if (bitmap.isEmpty) bitmap.dispose()
    else buckets.set(high, bitmap)
  }
  return { buckets, length: pos - offset }
}
