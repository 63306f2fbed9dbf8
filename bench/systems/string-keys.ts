// Most competitors only take string keys (and TinyBase only string cells).
// Hex is the usual lossless choice for binary ids and stays one byte per char
// on the wire (latin1 strings would turn into multi-byte UTF-8). The workloads
// convert with these before any clock starts (a system's `key()` and `value()`).

export function hexKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'))
}
