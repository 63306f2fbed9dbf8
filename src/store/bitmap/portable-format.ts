import { InvalidMessageError } from '../errors.ts'

// CRoaring's portable format (https://github.com/RoaringBitmap/RoaringFormatSpec). The backends
// read it without checking its content (roaring-wasm documents undefined behaviour on corrupt
// input), so every byte from outside is validated here first.
const SERIAL_COOKIE_NO_RUNCONTAINER = 12346
const SERIAL_COOKIE = 12347
const NO_OFFSET_THRESHOLD = 4
const ARRAY_MAX = 4096
const BITMAP_BYTES = 8192

function fail (why: string): never {
  throw new InvalidMessageError(`invalid roaring bitmap: ${why}`)
}

/**
 * Checks that `bytes[offset…]` starts with one well-formed, canonical-enough 32-bit portable
 * bitmap and returns its length in bytes.
 */
export function validatePortableBitmap (bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const end = bytes.byteLength
  let pos = offset
  const need = (n: number): void => {
    if (pos + n > end) fail('truncated')
  }
  need(4)
  const cookie = view.getUint32(pos, true)
  pos += 4
  let size: number
  let runFlags: Uint8Array | undefined
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1
    const flagBytes = (size + 7) >>> 3
    need(flagBytes)
    runFlags = bytes.subarray(pos, pos + flagBytes)
    pos += flagBytes
  } else if (cookie === SERIAL_COOKIE_NO_RUNCONTAINER) {
    need(4)
    size = view.getUint32(pos, true)
    pos += 4
    if (size > 65536) fail('too many containers')
  } else {
    return fail('unknown cookie')
  }
  need(size * 4)
  const header = pos
  pos += size * 4
  const hasOffsets = runFlags == null || size >= NO_OFFSET_THRESHOLD
  const offsets = pos
  if (hasOffsets) {
    need(size * 4)
    pos += size * 4
  }
  let previousKey = -1
  for (let i = 0; i < size; i++) {
    const key = view.getUint16(header + i * 4, true)
    const cardinality = view.getUint16(header + i * 4 + 2, true) + 1
    if (key <= previousKey) fail('container keys out of order')
    previousKey = key
    if (hasOffsets && view.getUint32(offsets + i * 4, true) !== pos - offset) fail('container offset mismatch')
    const isRun = runFlags != null && (runFlags[i >>> 3] & (1 << (i & 7))) !== 0
    if (isRun) {
      need(2)
      const runs = view.getUint16(pos, true)
      pos += 2
      need(runs * 4)
      let count = 0
      let nextFree = 0
      for (let r = 0; r < runs; r++) {
        const start = view.getUint16(pos + r * 4, true)
        const length = view.getUint16(pos + r * 4 + 2, true)
        if (start < nextFree || start + length > 0xffff) fail('run container out of order')
        nextFree = start + length + 1
        count += length + 1
      }
      if (count !== cardinality) fail('run container cardinality mismatch')
      pos += runs * 4
    } else if (cardinality <= ARRAY_MAX) {
      need(cardinality * 2)
      let previous = -1
      for (let v = 0; v < cardinality; v++) {
        const value = view.getUint16(pos + v * 2, true)
        if (value <= previous) fail('array container out of order')
        previous = value
      }
      pos += cardinality * 2
    } else {
      need(BITMAP_BYTES)
      let count = 0
      for (let w = 0; w < BITMAP_BYTES; w += 4) count += popcount32(view.getUint32(pos + w, true))
      if (count !== cardinality) fail('bitmap container cardinality mismatch')
      pos += BITMAP_BYTES
    }
  }
  return pos - offset
}

function popcount32 (x: number): number {
  x = x - ((x >>> 1) & 0x55555555)
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24)
}
