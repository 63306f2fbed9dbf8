import { bitmapBackend, type Bitmap32 } from './bitmap/backend.ts'

/**
 * Seqs (u53) as a 64-bit roaring "treemap": the high 32 bits of a seq pick a bucket, a 32-bit
 * bitmap of the low 32 bits. Almost always the single bucket 0.
 */
export type SeqBuckets = Map<number, Bitmap32>

export const TWO_32 = 0x1_0000_0000

/** The bucket of `high`, made empty when there is none yet. */
export function bucketOf (buckets: SeqBuckets, high: number): Bitmap32 {
  let bitmap = buckets.get(high)
  if (bitmap == null) {
    bitmap = bitmapBackend().create()
    buckets.set(high, bitmap)
  }
  return bitmap
}

/** Adds every seq in `[start, end)`, one call into the backend per bucket the range crosses. */
export function addRangeToBuckets (buckets: SeqBuckets, start: number, end: number): void {
  while (start < end) {
    const high = Math.floor(start / TWO_32)
    const bucketEnd = Math.min(end, (high + 1) * TWO_32)
    bucketOf(buckets, high).addRange(start - high * TWO_32, bucketEnd - high * TWO_32)
    start = bucketEnd
  }
}

/** The buckets' high bits, ascending (a Map iterates in insertion order). */
export function sortedHighs (buckets: SeqBuckets): number[] {
  return [...buckets.keys()].sort((a, b) => a - b)
}

/** New buckets holding the seqs of `buckets` in `[start, end)`. */
export function sliceBuckets (buckets: SeqBuckets, start: number, end: number): SeqBuckets {
  const result: SeqBuckets = new Map()
  for (const [high, bitmap] of buckets) {
    const base = high * TWO_32
    if (base + TWO_32 <= start || base >= end) continue
    const part = bitmap.clone()
    if (start > base) part.removeRange(0, start - base)
    if (end < base + TWO_32) part.removeRange(end - base, TWO_32)
    if (part.isEmpty) part.dispose()
    else result.set(high, part)
  }
  return result
}
