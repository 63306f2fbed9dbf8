// The memory a store keeps for as long as it lives (arena chunks, row columns, the key index), and
// a large transaction's write records.
//
// V8 starts a full collection whenever a program's ArrayBuffer memory has grown by 64 MiB since the
// last one, to free buffers whose objects died. A store that takes a million entries in one
// transaction adds ~200 MiB of its own (144 MiB of keys and values, the rest columns and index),
// none of it garbage: three or four collections, each marking every object of the program (in the
// benchmark, 0.45 GB of the caller's inputs: 0.1–0.2 s each) to free nothing of the store's. A
// synchronous transaction gives V8's marking task no turn, so V8 finishes each in one pause.
//
// V8 leaves SharedArrayBuffer memory out of that count (shared memory is no one isolate's), so on
// Node.js the store's large buffers are SharedArrayBuffers. Node.js takes a shared view wherever
// it takes a Uint8Array (WebCrypto aside), and counts the memory under
// `process.memoryUsage().arrayBuffers` (not `external`). But memory V8 does not count cannot make
// it collect either: a program that makes and drops stores would pile up their memory until the
// heap's own growth starts a collection. So shared memory not yet freed may reach the size of the
// heap (and at least MIN_SHARED_BUDGET), as the heap itself grows by about its size between
// collections; beyond that, buffers are plain again, and V8's count brings the collection that
// frees the dropped stores' memory. Browsers get plain ArrayBuffers: a page has SharedArrayBuffer
// only when cross-origin isolated, and its TextDecoder refuses shared views.

/** Shared memory not yet freed may always reach this much, however small the heap. */
const MIN_SHARED_BUDGET = 128 * 1024 * 1024

interface NodeMemoryUsage { heapUsed: number, external: number, arrayBuffers: number }
const nodeProcess = (globalThis as { process?: { versions?: { node?: unknown }, memoryUsage?: () => NodeMemoryUsage } }).process
const memoryUsage = typeof SharedArrayBuffer === 'function' && typeof nodeProcess?.versions?.node === 'string' ? nodeProcess.memoryUsage : undefined

/**
 * Shared memory allocated and maybe not yet freed, and what it may reach: set from Node.js's
 * counts (31 µs to read) only when the count passes the budget, since frees are not seen as they
 * happen, and counted up in between.
 */
let sharedHeld = 0
let budget = MIN_SHARED_BUDGET
/** Over budget, plain bytes still to allocate before the counts are read again. */
let plainBeforeReading = 0
/** Plain memory allocated over budget between readings: a quarter of what makes V8 collect. */
const PLAIN_BETWEEN_READINGS = 16 * 1024 * 1024

/** Zeroed memory of `byteLength` bytes for the store to keep. */
export function storeBuffer (byteLength: number): ArrayBufferLike {
  if (memoryUsage === undefined) return new ArrayBuffer(byteLength)
  if (sharedHeld + byteLength > budget) {
    if (plainBeforeReading > 0) {
      plainBeforeReading -= byteLength
      return new ArrayBuffer(byteLength)
    }
    const usage = memoryUsage.call(nodeProcess)
    // Node.js's arrayBuffers counts plain and shared buffers alike; V8's external, the plain ones.
    sharedHeld = Math.max(0, usage.arrayBuffers - usage.external)
    budget = Math.max(MIN_SHARED_BUDGET, usage.heapUsed)
    if (sharedHeld + byteLength > budget) {
      plainBeforeReading = PLAIN_BETWEEN_READINGS
      return new ArrayBuffer(byteLength)
    }
  }
  sharedHeld += byteLength
  return new SharedArrayBuffer(byteLength)
}
