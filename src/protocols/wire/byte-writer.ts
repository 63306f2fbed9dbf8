import { copyBytes } from '../../store/copy-bytes.ts'

const TWO_32 = 0x1_0000_0000

// Encoders run synchronously and never nest, so they share one scratch buffer. A fresh
// ArrayBuffer costs about 1 µs here, several times the encoding of a small op, so small
// messages are cut from a shared slab, as Node.js cuts small Buffers from its pool; one expected
// to be small is written straight into the slab, so that nothing is copied out of scratch.
let scratch = new Uint8Array(64 * 1024)
const SLAB_BYTES = 8 * 1024
/** Larger messages get an ArrayBuffer of their own. */
const POOLED_MAX_BYTES = 2 * 1024
let slab = new Uint8Array(SLAB_BYTES)
let slabUsed = 0

/** Appends bytes to the slab or the shared scratch buffer; {@link finish} hands the message out. */
export class ByteWriter {
  #buffer: Uint8Array<ArrayBuffer>
  /** Where the message starts in the buffer: in the slab, where its free space starts; in scratch, 0. */
  #start: number
  #pos: number

  /** `capacity`: the bytes expected (a message may still grow past it). */
  constructor (capacity = 256) {
    if (capacity <= POOLED_MAX_BYTES) {
      if (slabUsed + capacity > SLAB_BYTES) {
        slab = new Uint8Array(SLAB_BYTES)
        slabUsed = 0
      }
      this.#buffer = slab
      this.#start = slabUsed
    } else {
      if (scratch.byteLength < capacity) scratch = new Uint8Array(Math.max(capacity, scratch.byteLength * 2))
      this.#buffer = scratch
      this.#start = 0
    }
    this.#pos = this.#start
  }

  /** Room for `bytes` more: a message outgrowing the slab's free space moves to scratch, and scratch grows. */
  #reserve (bytes: number): void {
    if (this.#pos + bytes <= this.#buffer.byteLength) return
    const length = this.#pos - this.#start
    const target = this.#buffer !== scratch && length + bytes <= scratch.byteLength ? scratch : new Uint8Array(Math.max(scratch.byteLength * 2, length + bytes))
    target.set(this.#buffer.subarray(this.#start, this.#pos))
    this.#buffer = target
    this.#start = 0
    this.#pos = length
    scratch = target
  }

  u8 (value: number): void {
    this.#reserve(1)
    this.#buffer[this.#pos++] = value
  }

  /** An unsigned LEB128 varint of an integer up to 2^53 - 1. */
  varint (value: number): void {
    this.#reserve(8)
    const buffer = this.#buffer
    let pos = this.#pos
    while (value >= 0x80) {
      buffer[pos++] = (value % 0x80) | 0x80
      value = Math.floor(value / 0x80)
    }
    buffer[pos++] = value
    this.#pos = pos
  }

  /** A 48-bit little-endian integer. */
  u48 (value: number): void {
    this.#reserve(6)
    const buffer = this.#buffer
    const low = value % TWO_32
    const high = Math.floor(value / TWO_32)
    buffer[this.#pos] = low
    buffer[this.#pos + 1] = low >>> 8
    buffer[this.#pos + 2] = low >>> 16
    buffer[this.#pos + 3] = low >>> 24
    buffer[this.#pos + 4] = high
    buffer[this.#pos + 5] = high >>> 8
    this.#pos += 6
  }

  raw (bytes: Uint8Array): void {
    this.range(bytes, 0, bytes.byteLength)
  }

  /** `length` bytes of `source` from `start`, without a view of them. */
  range (source: Uint8Array, start: number, length: number): void {
    this.#reserve(length)
    copyBytes(this.#buffer, this.#pos, source, start, length)
    this.#pos += length
  }

  /** A varint length, then the bytes. */
  bytes (bytes: Uint8Array): void {
    this.varint(bytes.byteLength)
    this.raw(bytes)
  }

  /**
   * The message: up to 2 KiB, a view into a shared 8 KiB slab (its `buffer` holds other messages
   * too), else a buffer of its own.
   */
  finish (): Uint8Array<ArrayBuffer> {
    const start = this.#start
    const length = this.#pos - start
    if (length > POOLED_MAX_BYTES) return this.#buffer.slice(start, this.#pos)
    if (this.#buffer === slab && start === slabUsed) {
      slabUsed = this.#pos
      return slab.subarray(start, this.#pos)
    }
    if (slabUsed + length > SLAB_BYTES) {
      slab = new Uint8Array(SLAB_BYTES)
      slabUsed = 0
    }
    const out = slab.subarray(slabUsed, slabUsed + length)
    out.set(this.#buffer.subarray(start, this.#pos))
    slabUsed += length
    return out
  }
}

/** Zigzag: signed integers as unsigned, small magnitudes small. */
export function zigzag (value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1
}

export function unzigzag (value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2
}
