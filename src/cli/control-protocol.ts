/**
 * The control protocol between `roaring-mesh get|set|…` and the running peer, over its Unix
 * socket: one JSON object per line each way. A client sends requests with an `id`; the peer
 * answers each with a response carrying that id. `watch` answers once, then sends a `change`
 * line (with the watch's id) for every change until the client disconnects. Keys and values
 * travel as base64: the store holds bytes, and the client decides how to show them.
 */
import type { Socket } from 'node:net'

export type Request =
  | { id: number, op: 'get', key: string }
  | { id: number, op: 'set', key: string, value: string }
  | { id: number, op: 'del', key: string }
  | { id: number, op: 'list', prefix?: string }
  | { id: number, op: 'watch' }
  | { id: number, op: 'status' }

export interface PeerStatus {
  peerId: string
  mesh: string
  dataDir: string
  pid: number
  addresses: string[]
  /** Peers of the mesh connected now. */
  peers: string[]
  entries: number
  /** When the last pull from any peer completed (ms since the epoch), or null. */
  lastSync: number | null
  /** The store's state hash, hex: two peers with the same hash hold the same data. */
  stateHash: string
  startedAt: number
}

export type ErrorCode = 'bad-request' | 'invalid-argument' | 'failure'

export type Response =
  | { id: number, ok: true, value?: string | null, deleted?: boolean, entries?: Array<[string, string]>, status?: PeerStatus, watching?: true }
  | { id: number, ok: false, error: { code: ErrorCode, message: string } }

/** One change of a watched store: `value` null for a delete. */
export interface ChangeLine {
  id: number
  change: { origin: 'local' | 'remote', key: string, value: string | null }
}

/** A line is at most a key and a value of the largest size, in base64, with room to spare. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024

export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
export const fromBase64 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'base64'))

/**
 * Calls `onLine` with each complete line read from `socket`. A line longer than
 * {@link MAX_LINE_BYTES} destroys the socket: a peer must not buffer without bound.
 */
export function readLines (socket: Socket, onLine: (line: string) => void): void {
  let buffered = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffered += chunk
    let newline: number
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      if (line.length > 0) onLine(line)
      if (socket.destroyed) return
    }
    if (buffered.length > MAX_LINE_BYTES) socket.destroy(new Error(`control line longer than ${MAX_LINE_BYTES} bytes`))
  })
}

export function writeLine (socket: Socket, message: Response | ChangeLine | Request): void {
  if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(message) + '\n')
}
