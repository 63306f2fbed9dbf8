/**
 * What tabs of one browser say to each other on their `BroadcastChannel` (structured-cloned
 * objects; the payloads are the package's wire encodings):
 * - `ops`: a local commit's ops, to every tab (remote integrations are not forwarded).
 * - `request`: "send me what I lack", a diff request; every tab that hears it answers with
 *   `diff` frames addressed to the requester.
 * - `state`: a heartbeat with the sender's state hash; a tab whose hash differs asks.
 * - `bye`: the tab is closing or going offline.
 */
export type TabMessage =
  | { type: 'ops', from: string, ops: Uint8Array }
  | { type: 'request', from: string, request: Uint8Array }
  | { type: 'diff', from: string, to: string, frame: Uint8Array }
  | { type: 'state', from: string, hash: Uint8Array }
  | { type: 'bye', from: string }

/** A message of another tab, checked field by field: another tab may run another version. */
export function isTabMessage (data: unknown): data is TabMessage {
  if (typeof data !== 'object' || data == null) return false
  const m = data as Record<string, unknown>
  if (typeof m.from !== 'string') return false
  switch (m.type) {
    case 'ops': return m.ops instanceof Uint8Array
    case 'request': return m.request instanceof Uint8Array
    case 'diff': return typeof m.to === 'string' && m.frame instanceof Uint8Array
    case 'state': return m.hash instanceof Uint8Array
    case 'bye': return true
    default: return false
  }
}

/**
 * An encoded message up to 2 KiB is a view into a buffer shared with other messages, and
 * postMessage clones a view's whole buffer: post such a message as a copy of its own.
 */
export function alone (message: Uint8Array): Uint8Array {
  return message.byteLength === message.buffer.byteLength ? message : message.slice()
}

export function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}
