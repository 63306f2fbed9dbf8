import { CorruptStoreError } from '../errors.ts'

// The records IdbLogDatabase keeps in IndexedDB, field by field (the layout is in
// idb-log-database.ts): record keys, and the writer and reader of the `bytes` fields of log and
// pack records.

/** The bytes of a key held as one char per byte (`bytesToKeyString`'s inverse). */
export function stringBytes (text: string): Uint8Array {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
  return bytes
}

export function recordKey (prefix: number, n: number, width: 4 | 8): Uint8Array<ArrayBuffer> {
  const key = new Uint8Array(1 + width)
  key[0] = prefix
  const view = new DataView(key.buffer)
  if (width === 4) view.setUint32(1, n)
  else view.setBigUint64(1, BigInt(n))
  return key
}

export class Writer {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  #pos = 0

  constructor (size: number) {
    this.#bytes = new Uint8Array(size)
    this.#view = new DataView(this.#bytes.buffer)
  }

  u8 (value: number): void {
    this.#bytes[this.#pos++] = value
  }

  bytes (value: Uint8Array): void {
    this.#view.setUint32(this.#pos, value.byteLength, true)
    this.#bytes.set(value, this.#pos + 4)
    this.#pos += 4 + value.byteLength
  }

  finish (): Uint8Array {
    return this.#bytes.subarray(0, this.#pos)
  }
}

/** Reads the `bytes` fields of a log or pack record; a record cut short throws. */
export class Reader {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  pos = 0

  constructor (bytes: Uint8Array) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get done (): boolean {
    return this.pos >= this.#bytes.byteLength
  }

  u8 (): number {
    if (this.pos >= this.#bytes.byteLength) throw new CorruptStoreError('a packed IndexedDB record is cut short')
    return this.#bytes[this.pos++]
  }

  bytes (): Uint8Array {
    if (this.pos + 4 > this.#bytes.byteLength) throw new CorruptStoreError('a packed IndexedDB record is cut short')
    const length = this.#view.getUint32(this.pos, true)
    const start = this.pos + 4
    if (start + length > this.#bytes.byteLength) throw new CorruptStoreError('a packed IndexedDB record is cut short')
    this.pos = start + length
    return this.#bytes.subarray(start, start + length)
  }
}
