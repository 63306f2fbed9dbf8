// Keys become one-byte-per-char strings where they are sorted or deduplicated: JS compares such
// strings by code unit, which is byte order, so sorting them sorts the keys as bytes. (TextDecoder's "latin1" is really
// windows-1252 and would remap 0x80–0x9f, so it cannot be used.)

const CHUNK = 4096

export function bytesToKeyString (bytes: Uint8Array): string {
  if (bytes.byteLength <= CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[])
  let out = ''
  for (let i = 0; i < bytes.byteLength; i += CHUNK) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[])
  }
  return out
}
