import { InvalidArgumentError } from './errors.ts'

/** Turns keys or values of type `T` into bytes and back. Encoding must be deterministic. */
export interface Codec<T> {
  encode(value: T): Uint8Array
  decode(bytes: Uint8Array): T
}

/** Bytes as they are (the default). Values are kept, not copied: do not mutate them after a set. */
export const bytesCodec: Codec<Uint8Array> = {
  encode (value) {
    if (!(value instanceof Uint8Array)) {
      throw new InvalidArgumentError(`expected a Uint8Array (pass a codec for other types), got ${typeof value}`)
    }
    return value
  },
  decode: (bytes) => bytes
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Strings as UTF-8. Keys then sort by their UTF-8 bytes. */
export const stringCodec: Codec<string> = {
  encode (value) {
    if (typeof value !== 'string') throw new InvalidArgumentError(`expected a string, got ${typeof value}`)
    return encoder.encode(value)
  },
  decode: (bytes) => decoder.decode(bytes)
}

/** Any JSON value, as UTF-8 JSON text. */
export function jsonCodec<T> (): Codec<T> {
  return {
    encode (value) {
      const text = JSON.stringify(value)
      if (text === undefined) throw new InvalidArgumentError(`value is not JSON-serializable: ${String(value)}`)
      return encoder.encode(text)
    },
    decode: (bytes) => JSON.parse(decoder.decode(bytes)) as T
  }
}
