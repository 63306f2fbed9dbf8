import { copyBytes } from './copy-bytes.ts'
import { storeBuffer } from './store-memory.ts'

const FIRST_CHUNK_BYTES = 64 * 1024
/** Chunks double up to this size: a big store is a few large buffers, a small one wastes little. */
const MAX_CHUNK_BYTES = 16 * 1024 * 1024
/** Entries at least this big get a buffer of their own rather than wasting a chunk's tail. */
const OWN_BUFFER_BYTES = 64 * 1024
/** Compaction waits until this much is garbage, and more garbage than live data. */
const MIN_GARBAGE_BYTES = 8 * 1024 * 1024

/**
 * Holds the store's keys and values packed in large chunks, each entry's key followed by its
 * value. A key kept as a string and a value as its own Uint8Array cost about 250 bytes of
 * objects beside their bytes, and a value received in an op would pin the whole message; copied
 * here they cost their bytes. A decoded diff frame is almost all entries, so its entries stay in
 * the decoder's copy of it ({@link adoptChunk}) until compaction moves them here. Chunks are
 * append-only: a view handed out (by `get`, in an op or a diff) stays valid after the entry dies
 * or moves. Entries name their chunk by number ({@link chunk}), so that an entry is a row of
 * numbers rather than an object holding a reference.
 */
export class EntryArena {
  private current = chunkOf(FIRST_CHUNK_BYTES)
  /** Every chunk holding a live entry (and some dead ones, until compaction), by number. */
  private chunks: Uint8Array[] = [this.current]
  private currentId = 0
  private used = 0
  private liveBytes = 0
  private garbageBytes = 0
  /** Where the last {@link append} put its bytes: a chunk number and an offset in it. */
  lastChunkId = 0
  lastOffset = 0

  /** The chunk numbered `id`. */
  chunk (id: number): Uint8Array {
    return this.chunks[id]
  }

  /** Copies a key and its value in, side by side. */
  append (key: Uint8Array, value: Uint8Array): void {
    const length = key.byteLength + value.byteLength
    this.liveBytes += length
    let chunk: Uint8Array
    let at: number
    if (length >= OWN_BUFFER_BYTES) {
      chunk = chunkOf(length)
      at = 0
      this.lastChunkId = this.chunks.push(chunk) - 1
    } else {
      if (this.used + length > this.current.byteLength) {
        this.current = chunkOf(Math.min(MAX_CHUNK_BYTES, 2 * this.current.byteLength))
        this.currentId = this.chunks.push(this.current) - 1
        this.used = 0
      }
      chunk = this.current
      at = this.used
      this.used = at + length
      this.lastChunkId = this.currentId
    }
    copyBytes(chunk, at, key, 0, key.byteLength)
    copyBytes(chunk, at + key.byteLength, value, 0, value.byteLength)
    this.lastOffset = at
  }

  /**
   * Takes a decoded diff's own copy of its message as a chunk, where its entries stay: returns
   * its number. Compaction moves them in with the rest.
   */
  adoptChunk (message: Uint8Array): number {
    return this.chunks.push(message) - 1
  }

  /** Counts an entry of `length` bytes that stays in an adopted message as live. */
  adopt (length: number): void {
    this.liveBytes += length
  }

  /**
   * Counts the bytes of a decoded message that no adopted entry uses (headers, clocks, entries
   * already seen) as garbage: the message stays in memory while any entry adopted from it lives,
   * and if a few fresh entries hold up a frame of stale ones, compaction must come to move them.
   */
  pin (unusedBytes: number): void {
    this.garbageBytes += unusedBytes
  }

  /** An entry of `length` bytes (key and value) died: its space is garbage until the next compaction. */
  release (length: number): void {
    this.liveBytes -= length
    this.garbageBytes += length
  }

  get needsCompaction (): boolean {
    return this.garbageBytes > MIN_GARBAGE_BYTES && this.garbageBytes > this.liveBytes
  }

  /** Starts over: the caller re-appends every live entry from the chunks returned (numbered as before). */
  reset (): Uint8Array[] {
    const chunks = this.chunks
    this.current = chunkOf(FIRST_CHUNK_BYTES)
    this.chunks = [this.current]
    this.currentId = 0
    this.used = 0
    this.liveBytes = 0
    this.garbageBytes = 0
    return chunks
  }
}

/** A chunk of `byteLength` bytes, in the store's own memory (see store-memory.ts). */
function chunkOf (byteLength: number): Uint8Array {
  return new Uint8Array(storeBuffer(byteLength))
}
