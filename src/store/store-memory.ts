// The memory a store keeps for as long as it lives: arena chunks, row columns, the key index.
//
// V8 starts a full collection whenever a program's ArrayBuffer memory has grown by 64 MiB since the
// last one, to free buffers whose objects died. A store that takes a million entries in one
// transaction adds ~200 MiB of its own (144 MiB of keys and values, the rest columns and index),
// none of it garbage: three or four collections, each marking every object of the program (in the
// benchmark, 0.45 GB of the caller's inputs: 0.1–0.2 s each) to free nothing of the store's. A
// synchronous transaction gives V8's marking task no turn, so V8 finishes each in one pause.
//
// V8 leaves SharedArrayBuffer memory out of that count (shared memory is no one isolate's), so the
// store allocates its memory as SharedArrayBuffers where it can. The memory is still freed with
// the store, by the next collection, and Node.js counts it under `process.memoryUsage().arrayBuffers`
// (though not `external`). Views of arena chunks reach the caller (keys and values), so those are
// shared only on Node.js, which takes shared views wherever it takes a Uint8Array (WebCrypto
// aside). A browser page has SharedArrayBuffer only when cross-origin isolated, and its
// TextDecoder refuses shared views: there the chunks are plain ArrayBuffers.

const shared = typeof SharedArrayBuffer === 'function'
const sharedViews = shared && typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string'

/** Zeroed memory of `byteLength` bytes for the store's own columns, never handed out. */
export function internalBuffer (byteLength: number): ArrayBufferLike {
  return shared ? new SharedArrayBuffer(byteLength) : new ArrayBuffer(byteLength)
}

/** Zeroed memory of `byteLength` bytes for an arena chunk, whose views the store hands out. */
export function arenaBuffer (byteLength: number): ArrayBufferLike {
  return sharedViews ? new SharedArrayBuffer(byteLength) : new ArrayBuffer(byteLength)
}
