// Node.js's Buffer copy: a native call with no view made, for a part of a source. A whole source
// goes through `set()`, a builtin that is fast from a process's first call (Buffer copy runs three
// JavaScript wrappers, interpreted until they are hot: 100,000 128-byte values took 11 ms against
// 4.5 ms on their first pass, and as long once warm). Browsers have only `set()`.
const nodeCopy = (globalThis as { Buffer?: { prototype: { copy: (this: Uint8Array, target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number) => number } } }).Buffer?.prototype.copy

/**
 * Copies `length` bytes of `source` from `start` to `target` at `at`. A loop beats `set()` for
 * the short keys, values and ids most stores and messages hold; longer runs go through `set()`,
 * or where only part of the source is copied, Node.js's Buffer copy, with no view made.
 */
export function copyBytes (target: Uint8Array, at: number, source: Uint8Array, start: number, length: number): void {
  if (length <= 64) {
    for (let i = 0; i < length; i++) target[at + i] = source[start + i]
  } else if (start === 0 && length === source.byteLength) {
    target.set(source, at)
  } else if (nodeCopy != null) {
    nodeCopy.call(source, target, at, start, start + length)
  } else {
    target.set(source.subarray(start, start + length), at)
  }
}
