import { InvalidMessageError } from '../../store/errors.ts'

const TWO_32 = 0x1_0000_0000

/** Reads what {@link ByteWriter} wrote; every read is bounds-checked and fails with {@link InvalidMessageError}. */
export class ByteReader {
  readonly bytes: Uint8Array
  readonly #view: DataView
  pos: number

  constructor (bytes: Uint8Array, pos = 0) {
    // A Buffer's slice() is a view; as a plain Uint8Array, slice() copies as decoders expect.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.pos = pos
  }

  get remaining (): number {
    return this.bytes.byteLength - this.pos
  }

  #need (n: number, what: string): void {
    if (this.pos + n > this.bytes.byteLength) throw new InvalidMessageError(`truncated message: ${what}`)
  }

  u8 (what: string): number {
    this.#need(1, what)
    return this.bytes[this.pos++]
  }

  varint (what: string, max = Number.MAX_SAFE_INTEGER): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      const byte = this.u8(what)
      value += (byte & 0x7f) * scale
      if (byte < 0x80) {
        if (value > max) throw new InvalidMessageError(`${what} ${value} exceeds ${max}`)
        return value
      }
      scale *= 0x80
    }
    throw new InvalidMessageError(`${what}: varint too long`)
  }

  u48 (what: string): number {
    this.#need(6, what)
    const value = this.#view.getUint32(this.pos, true) + this.#view.getUint16(this.pos + 4, true) * TWO_32
    this.pos += 6
    return value
  }

  raw (length: number, what: string): Uint8Array {
    this.#need(length, what)
    const out = this.bytes.subarray(this.pos, this.pos + length)
    this.pos += length
    return out
  }

  /** A varint length of at most `max`, then that many bytes (a view, not a copy). */
  bytesField (what: string, max: number): Uint8Array {
    return this.raw(this.varint(`${what} length`, max), what)
  }

  end (): void {
    if (this.pos !== this.bytes.byteLength) throw new InvalidMessageError(`${this.bytes.byteLength - this.pos} trailing bytes`)
  }
}
