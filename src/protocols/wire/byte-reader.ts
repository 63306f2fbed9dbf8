import { InvalidMessageError } from '../../store/errors.ts'

const TWO_32 = 0x1_0000_0000

/**
 * Reads what {@link ByteWriter} wrote; every read is bounds-checked and fails with
 * {@link InvalidMessageError}. Byte fields are views into the message, not copies: an
 * ArrayBuffer costs more than decoding a small op, and the store copies what it keeps.
 */
export class ByteReader {
  readonly bytes: Uint8Array
  pos: number

  constructor (bytes: Uint8Array) {
    // A Buffer's subarrays are Buffers: read through a plain view, so fields are plain Uint8Arrays.
    this.bytes = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.pos = 0
  }

  get remaining (): number {
    return this.bytes.byteLength - this.pos
  }

  #need (n: number, what: string): void {
    if (this.pos + n > this.bytes.byteLength) throw new InvalidMessageError(`truncated message: ${what}`)
  }

  u8 (what: string): number {
    if (this.pos >= this.bytes.byteLength) throw new InvalidMessageError(`truncated message: ${what}`)
    return this.bytes[this.pos++]
  }

  /** `what` and `suffix` name the field in errors: joined only then, not for every field read. */
  varint (what: string, max = Number.MAX_SAFE_INTEGER, suffix = ''): number {
    const bytes = this.bytes
    let value = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      if (this.pos >= bytes.byteLength) throw new InvalidMessageError(`truncated message: ${what}${suffix}`)
      const byte = bytes[this.pos++]
      value += (byte & 0x7f) * scale
      if (byte < 0x80) {
        if (value > max) throw new InvalidMessageError(`${what}${suffix} ${value} exceeds ${max}`)
        return value
      }
      scale *= 0x80
    }
    throw new InvalidMessageError(`${what}${suffix}: varint too long`)
  }

  u48 (what: string): number {
    this.#need(6, what)
    const b = this.bytes
    const p = this.pos
    const low = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
    const high = b[p + 4] | (b[p + 5] << 8)
    this.pos += 6
    return low + high * TWO_32
  }

  raw (length: number, what: string): Uint8Array {
    this.#need(length, what)
    const out = this.bytes.subarray(this.pos, this.pos + length)
    this.pos += length
    return out
  }

  /** Steps over `length` bytes. */
  skip (length: number, what: string): void {
    this.#need(length, what)
    this.pos += length
  }

  /** A varint length of at most `max`, then that many bytes (a view, not a copy). */
  bytesField (what: string, max: number): Uint8Array {
    return this.raw(this.varint(what, max, ' length'), what)
  }

  end (): void {
    if (this.pos !== this.bytes.byteLength) throw new InvalidMessageError(`${this.bytes.byteLength - this.pos} trailing bytes`)
  }
}
