// Node.js's Buffer copy: a native call with no view made, and several times faster than `set()`
// from the SharedArrayBuffers the store keeps its bytes in there. Browsers have only `set()`.
const nodeCopy = (globalThis as { Buffer?: { prototype: { copy: (this: Uint8Array, target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number) => number } } }).Buffer?.prototype.copy

/**
 * Copies `length` bytes of `source` from `start` to `target` at `at`. A loop beats `set()` for
 * the short keys, values and ids most stores and messages hold; longer runs go through Node.js's
 * Buffer copy, or `set()`, with a view only when the source is not copied whole.
 */
export function copyBytes (target: Uint8Array, at: number, source: Uint8Array, start: number, length: number): void {
  if (length <= 64) {
    for (let i = 0; i < length; i++) target[at + i] = source[start + i]
  } else if (nodeCopy != null) {
    nodeCopy.call(source, target, at, start, start + length)
  } else {
    target.set(start === 0 && length === source.byteLength ? source : source.subarray(start, start + length), at)
  }
}
