import { CliError, ExitCode } from './cli-error.ts'

/** How keys and values are written on the command line and printed: the store itself holds bytes. */
export type ByteEncoding = 'utf8' | 'hex' | 'base64'

export const BYTE_ENCODINGS: readonly ByteEncoding[] = ['utf8', 'hex', 'base64']

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function isByteEncoding (value: string): value is ByteEncoding {
  return (BYTE_ENCODINGS as readonly string[]).includes(value)
}

/**
 * The bytes `text` stands for in `encoding`; `what` ("key", "value") names it in the error a
 * shell user sees when the text is not valid in that encoding.
 */
export function parseBytes (text: string, encoding: ByteEncoding, what: string): Uint8Array {
  if (encoding === 'utf8') return new TextEncoder().encode(text)
  if (encoding === 'hex') {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) {
      throw new CliError(ExitCode.usage, `bad ${what} encoding: ${JSON.stringify(text)} is not hex (an even number of 0-9 a-f digits)`)
    }
    return Uint8Array.from(Buffer.from(text, 'hex'))
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new CliError(ExitCode.usage, `bad ${what} encoding: ${JSON.stringify(text)} is not base64 (A-Z a-z 0-9 + /, padded with = to a multiple of 4)`)
  }
  return Uint8Array.from(Buffer.from(text, 'base64'))
}

/** `bytes` in `encoding`, or undefined when the encoding is utf8 and the bytes are not UTF-8. */
export function formatBytes (bytes: Uint8Array, encoding: ByteEncoding): string | undefined {
  if (encoding === 'hex') return Buffer.from(bytes).toString('hex')
  if (encoding === 'base64') return Buffer.from(bytes).toString('base64')
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}
