/**
 * Copies `length` bytes of `source` from `start` to `target` at `at`. A loop beats `set()` for
 * the short keys, values and ids most stores and messages hold; longer runs go through `set()`,
 * with a view only when the source is not copied whole.
 */
export function copyBytes (target: Uint8Array, at: number, source: Uint8Array, start: number, length: number): void {
  if (length <= 64) {
    for (let i = 0; i < length; i++) target[at + i] = source[start + i]
  } else {
    target.set(start === 0 && length === source.byteLength ? source : source.subarray(start, start + length), at)
  }
}
