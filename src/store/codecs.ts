import { InvalidArgumentError } from './errors.ts'
import { bytesToKeyString } from './key-string.ts'

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

/** Bytes up to this many that are all ASCII are decoded in JavaScript (see {@link decodeText}). */
const SHORT_TEXT = 64

/**
 * UTF-8 bytes as a string. Short ASCII, what most keys are, skips the call into the platform: in
 * Chromium a `TextDecoder.decode` of a short string costs ~1 µs, and a page receiving 100,000
 * entries spent 0.26 s of its main thread there, decoding the keys and values of change events.
 */
function decodeText (bytes: Uint8Array): string {
  const length = bytes.length
  if (length <= SHORT_TEXT) {
    let ascii = true
    for (let i = 0; i < length; i++) {
      if (bytes[i] > 0x7f) {
        ascii = false
        break
      }
    }
    if (ascii) return bytesToKeyString(bytes)
  }
  return decoder.decode(bytes)
}

/** Strings as UTF-8. Keys then sort by their UTF-8 bytes. */
export const stringCodec: Codec<string> = {
  encode (value) {
    if (typeof value !== 'string') throw new InvalidArgumentError(`expected a string, got ${typeof value}`)
    return encoder.encode(value)
  },
  decode: decodeText
}

/** Any JSON value, as UTF-8 JSON text. */
export function jsonCodec<T> (): Codec<T> {
  return {
    encode (value) {
      const text = JSON.stringify(value)
      if (text === undefined) throw new InvalidArgumentError(`value is not JSON-serializable: ${String(value)}`)
      return encoder.encode(text)
    },
    decode: (bytes) => JSON.parse(decodeText(bytes)) as T
  }
}
