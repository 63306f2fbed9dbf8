import type { DiffEntry, EntrySource } from './diff.ts'
import type { Hlc } from './types.ts'

/**
 * A live entry as a diff carries it, reading its key and value where the store keeps them
 * (side by side in an arena chunk), so that an encoder copies them out in one go. Made when a
 * diff is built; the store itself keeps entries as rows (see EntryRows).
 */
export class Entry implements DiffEntry, EntrySource {
  readonly chunk: Uint8Array
  /** Where the key starts in `chunk`; the value follows it. */
  readonly offset: number
  readonly keyLength: number
  readonly valueLength: number
  readonly seq: number
  readonly wall: number
  readonly counter: number

  constructor (chunk: Uint8Array, offset: number, keyLength: number, valueLength: number, seq: number, wall: number, counter: number) {
    this.chunk = chunk
    this.offset = offset
    this.keyLength = keyLength
    this.valueLength = valueLength
    this.seq = seq
    this.wall = wall
    this.counter = counter
  }

  /** Itself: its fields are where its bytes are. */
  get source (): EntrySource {
    return this
  }

  /** The entry's clock, as a new object. */
  get hlc (): Hlc {
    return { wall: this.wall, counter: this.counter }
  }

  /** The key's bytes: a view into the arena, not to be mutated. */
  get key (): Uint8Array {
    return this.chunk.subarray(this.offset, this.offset + this.keyLength)
  }

  /** The value's bytes: a view into the arena, not to be mutated. */
  get value (): Uint8Array {
    const start = this.offset + this.keyLength
    return this.chunk.subarray(start, start + this.valueLength)
  }

  /** Key and value bytes together. */
  get byteLength (): number {
    return this.keyLength + this.valueLength
  }
}
