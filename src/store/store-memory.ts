// The memory a store keeps for as long as it lives: its row columns and its key index.
//
// V8 starts a full collection whenever a program's ArrayBuffer memory has grown by 64 MiB since the
// last one, to free buffers whose objects died. A store's columns grow by doubling, and none of
// what they leave is much: at a million entries, ~110 MiB of row columns and index allocated in one
// transaction would start a collection or two that mark every object of the program (in the
// benchmark, 0.45 GB of the caller's inputs: 0.1–0.2 s each) and free nothing of the store's. A
// synchronous transaction gives V8's marking task no turn, so V8 finishes each in one pause.
//
// V8 leaves SharedArrayBuffer memory out of that count (shared memory is no one isolate's), so the
// columns are SharedArrayBuffers where there are any. The memory is still freed with the store, by
// the next collection, and Node.js counts it under `process.memoryUsage().arrayBuffers` (though not
// `external`). The store never hands out a view of it.

const shared = typeof SharedArrayBuffer === 'function'

/** Zeroed memory of `byteLength` bytes for the store's own columns, never handed out. */
export function internalBuffer (byteLength: number): ArrayBufferLike {
  return shared ? new SharedArrayBuffer(byteLength) : new ArrayBuffer(byteLength)
}
