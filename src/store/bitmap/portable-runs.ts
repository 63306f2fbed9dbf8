// Reads the runs of set values out of a 32-bit bitmap in CRoaring's portable format, for sums over
// a set that must cost work linear in its serialized size rather than in how many values it holds
// (a run container of 8 bytes holds 65,536 of them). Only for bytes a backend wrote or that
// validatePortableBitmap accepted: nothing here is checked again.
const SERIAL_COOKIE_NO_RUNCONTAINER = 12346
const SERIAL_COOKIE = 12347
const NO_OFFSET_THRESHOLD = 4
const ARRAY_MAX = 4096
const BITMAP_BYTES = 8192

/** Calls `fn(start, end)` for each maximal run `[start, end)` of one container, offset by `base`. */
export function forEachRun (bytes: Uint8Array, base: number, fn: (start: number, end: number) => void): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const cookie = view.getUint32(0, true)
  let pos = 4
  let size: number
  let runFlags: Uint8Array | undefined
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1
    runFlags = bytes.subarray(pos, pos + ((size + 7) >>> 3))
    pos += runFlags.byteLength
  } else if (cookie === SERIAL_COOKIE_NO_RUNCONTAINER) {
    size = view.getUint32(pos, true)
    pos += 4
  } else {
    throw new Error('not a portable roaring bitmap')
  }
  const header = pos
  pos += size * 4
  if (runFlags == null || size >= NO_OFFSET_THRESHOLD) pos += size * 4
  for (let i = 0; i < size; i++) {
    const high = base + view.getUint16(header + i * 4, true) * 0x10000
    const cardinality = view.getUint16(header + i * 4 + 2, true) + 1
    const isRun = runFlags != null && (runFlags[i >>> 3] & (1 << (i & 7))) !== 0
    if (isRun) {
      const runs = view.getUint16(pos, true)
      pos += 2
      for (let r = 0; r < runs; r++, pos += 4) {
        const start = high + view.getUint16(pos, true)
        fn(start, start + view.getUint16(pos + 2, true) + 1)
      }
    } else if (cardinality <= ARRAY_MAX) {
      let start = -1
      let end = -1
      for (let v = 0; v < cardinality; v++, pos += 2) {
        const value = high + view.getUint16(pos, true)
        if (value !== end) {
          if (start >= 0) fn(start, end)
          start = value
        }
        end = value + 1
      }
      fn(start, end)
    } else {
      bitmapRuns(view, pos, high, fn)
      pos += BITMAP_BYTES
    }
  }
}

function bitmapRuns (view: DataView, pos: number, high: number, fn: (start: number, end: number) => void): void {
  let start = -1
  for (let w = 0; w < BITMAP_BYTES / 4; w++) {
    const word = view.getUint32(pos + w * 4, true)
    // Whole words, set or clear, are the common case in a dense or sparse stretch.
    if (word === 0xffffffff && start >= 0) continue
    if (word === 0 && start < 0) continue
    for (let b = 0; b < 32; b++) {
      const set = (word & (1 << b)) !== 0
      if (set && start < 0) start = high + w * 32 + b
      else if (!set && start >= 0) {
        fn(start, high + w * 32 + b)
        start = -1
      }
    }
  }
  if (start >= 0) fn(start, high + 0x10000)
}
