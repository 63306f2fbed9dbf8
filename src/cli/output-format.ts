import { formatBytes, type ByteEncoding } from './byte-encoding.ts'
import type { PeerStatus } from './control-protocol.ts'

export interface Encodings {
  keyEncoding: ByteEncoding
  valueEncoding: ByteEncoding
}

/** Bytes as JSON: a string in the chosen encoding, or `{ "hex": … }` for bytes that are not UTF-8 when utf8 was chosen. */
export function jsonBytes (bytes: Uint8Array, encoding: ByteEncoding): string | { hex: string } {
  return formatBytes(bytes, encoding) ?? { hex: Buffer.from(bytes).toString('hex') }
}

/**
 * Bytes as one tab-separated field: escaped so a field never holds a tab, a line break or another
 * control character (`\t \n \r \\`, else `\xNN`), and bytes that are not UTF-8 (when utf8 was
 * chosen) shown as `\xNN`.
 */
export function textField (bytes: Uint8Array, encoding: ByteEncoding): string {
  const text = formatBytes(bytes, encoding)
  if (text == null) return [...bytes].map((byte) => byte === 0x5c ? '\\\\' : byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`).join('')
  return text.replace(/[\\\x00-\x1f\x7f]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

/** One line of `list`. */
export function entryLine (key: Uint8Array, value: Uint8Array, { keyEncoding, valueEncoding }: Encodings, json: boolean): string {
  if (json) return JSON.stringify({ key: jsonBytes(key, keyEncoding), value: jsonBytes(value, valueEncoding) })
  return `${textField(key, keyEncoding)}\t${textField(value, valueEncoding)}`
}

/** One line of `watch`. */
export function changeLine (origin: 'local' | 'remote', key: Uint8Array, value: Uint8Array | undefined, { keyEncoding, valueEncoding }: Encodings, json: boolean): string {
  if (json) return JSON.stringify({ origin, op: value == null ? 'del' : 'set', key: jsonBytes(key, keyEncoding), value: value == null ? null : jsonBytes(value, valueEncoding) })
  return value == null ? `del\t${textField(key, keyEncoding)}` : `set\t${textField(key, keyEncoding)}\t${textField(value, valueEncoding)}`
}

/** "3s ago", "2m ago", "never". */
export function ago (time: number | null, now: number): string {
  if (time == null) return 'never'
  const seconds = Math.max(0, Math.round((now - time) / 1000))
  if (seconds < 60) return `${seconds}s ago`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`
  return `${Math.floor(seconds / 3600)}h ago`
}

/** The peer's live status line: peers, entries, last sync. */
export function statusLine (status: Pick<PeerStatus, 'peers' | 'entries' | 'lastSync'>, now: number): string {
  const peers = status.peers.length
  return `${peers} ${peers === 1 ? 'peer' : 'peers'} · ${status.entries} ${status.entries === 1 ? 'entry' : 'entries'} · last sync ${ago(status.lastSync, now)}`
}

/** What `status` prints. */
export function statusText (status: PeerStatus, now: number): string {
  return [
    `peer      ${status.peerId} (pid ${status.pid})`,
    `mesh      ${status.mesh}`,
    `data      ${status.dataDir}`,
    `status    ${statusLine(status, now)}`,
    `state     ${status.stateHash}`,
    ...status.addresses.map((address, i) => `${i === 0 ? 'listening' : '         '} ${address}`),
    ...status.peers.map((peer, i) => `${i === 0 ? 'peers    ' : '         '} ${peer}`)
  ].join('\n')
}
