const CHUNK_BYTES = 1024 * 1024
/** Values at least this big get a buffer of their own rather than wasting a chunk's tail. */
const OWN_BUFFER_BYTES = 64 * 1024
/** Compaction waits until this much is garbage, and more garbage than live data. */
const MIN_GARBAGE_BYTES = 8 * 1024 * 1024

/**
 * Holds the store's values packed in large chunks. A value kept as its own Uint8Array costs
 * about 200 bytes of objects beside its bytes, and a value received in a message would pin the
 * whole message; copied here it costs its bytes. Chunks are append-only: a view handed out
 * (by `get`, in an op or a diff) stays valid after the value dies or moves.
 */
export class ValueArena {
  #chunk = new Uint8Array(CHUNK_BYTES)
  #used = 0
  #liveBytes = 0
  #garbageBytes = 0
  /** Where the last {@link append} put its bytes. */
  lastChunk: Uint8Array = this.#chunk
  lastOffset = 0

  append (bytes: Uint8Array): void {
    const length = bytes.byteLength
    this.#liveBytes += length
    if (length >= OWN_BUFFER_BYTES) {
      this.lastChunk = bytes.slice()
      this.lastOffset = 0
      return
    }
    if (this.#used + length > CHUNK_BYTES) {
      this.#chunk = new Uint8Array(CHUNK_BYTES)
      this.#used = 0
    }
    const chunk = this.#chunk
    let at = this.#used
    // A loop beats set() for the small values most stores hold.
    if (length <= 64) for (let i = 0; i < length; i++) chunk[at++] = bytes[i]
    else chunk.set(bytes, at)
    this.lastChunk = chunk
    this.lastOffset = this.#used
    this.#used += length
  }

  /** A value of `length` bytes died: its space is garbage until the next compaction. */
  release (length: number): void {
    this.#liveBytes -= length
    this.#garbageBytes += length
  }

  get needsCompaction (): boolean {
    return this.#garbageBytes > MIN_GARBAGE_BYTES && this.#garbageBytes > this.#liveBytes
  }

  /** Starts over: the caller re-appends every live value. */
  reset (): void {
    this.#chunk = new Uint8Array(CHUNK_BYTES)
    this.#used = 0
    this.#liveBytes = 0
    this.#garbageBytes = 0
  }
}
