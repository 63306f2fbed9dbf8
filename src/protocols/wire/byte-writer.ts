const TWO_32 = 0x1_0000_0000

/** Appends bytes to a buffer that grows as needed. */
export class ByteWriter {
  #buffer: Uint8Array<ArrayBuffer>
  #view: DataView
  #pos = 0

  constructor (capacity = 256) {
    this.#buffer = new Uint8Array(capacity)
    this.#view = new DataView(this.#buffer.buffer)
  }

  #reserve (bytes: number): void {
    if (this.#pos + bytes <= this.#buffer.byteLength) return
    const grown = new Uint8Array(Math.max(this.#buffer.byteLength * 2, this.#pos + bytes))
    grown.set(this.#buffer.subarray(0, this.#pos))
    this.#buffer = grown
    this.#view = new DataView(grown.buffer)
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
    this.#view.setUint32(this.#pos, value % TWO_32, true)
    this.#view.setUint16(this.#pos + 4, Math.floor(value / TWO_32), true)
    this.#pos += 6
  }

  raw (bytes: Uint8Array): void {
    this.#reserve(bytes.byteLength)
    this.#buffer.set(bytes, this.#pos)
    this.#pos += bytes.byteLength
  }

  /** A varint length, then the bytes. */
  bytes (bytes: Uint8Array): void {
    this.varint(bytes.byteLength)
    this.raw(bytes)
  }

  finish (): Uint8Array<ArrayBuffer> {
    return this.#buffer.subarray(0, this.#pos)
  }
}

/** Zigzag: signed integers as unsigned, small magnitudes small. */
export function zigzag (value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1
}

export function unzigzag (value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2
}
