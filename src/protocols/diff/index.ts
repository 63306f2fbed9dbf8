/**
 * The diff protocol, `/roaring-mesh/diff/1.0.0`: one peer pulls a state diff from another.
 *
 * The puller opens a stream and sends one length-prefixed `DiffRequestMessage` naming the mesh
 * and carrying an encoded diff request. The responder answers with length-prefixed
 * `DiffResponseMessage`s: one per diff frame (entries first, then deaths, each at most
 * `maxFrameBytes` but for a single oversized entry), then `DONE`, and closes. The puller
 * integrates each frame as it arrives, so a stream that breaks halfway leaves a correct store
 * and the rest comes next round. Every read is bounded in size and time; a frame that cannot
 * be sent within `timeout` (a peer that stopped reading) aborts the stream.
 *
 * @example
 * ```ts
 * const node = await createLibp2p({ services: { diffSync: diffSync(), … } })
 * node.services.diffSync.serve('todo', store)
 * await node.services.diffSync.pull(peerId, 'todo', store)
 * ```
 */
import { DiffSync } from './diff-sync.ts'
import type { PullRate } from './pull-rate-limiter.ts'
import type { ComponentLogger, PeerId, Stream, StreamHandler, StreamHandlerOptions, AbortOptions } from '@libp2p/interface'

export { DiffRefusedError, ProtocolViolationError, type DiffRefusal } from './errors.ts'
export type { PullRate } from './pull-rate-limiter.ts'
export type { DiffStore } from './diff-store.ts'
export { PROTOCOL as DIFF_PROTOCOL } from './diff-sync.ts'
export type { DiffSync }

export interface DiffSyncInit {
  /** The largest diff frame this peer sends, in bytes. @default 65536 */
  maxFrameBytes?: number
  /**
   * The largest diff request this peer reads, in bytes; at least a request page
   * (`MAX_REQUEST_PAGE_BYTES`, 256 KiB, and 64 bytes of envelope), since larger requests come
   * in pages of that size. @default 1048576
   */
  maxRequestBytes?: number
  /** How long one read, or one frame's write, may take before the stream is aborted, in ms. @default 10000 */
  timeout?: number
  /**
   * Diff streams one connection may have open towards this peer at once. A puller needs one per
   * mesh it pulls (one node may serve several meshes over one connection); streams beyond this
   * are reset by libp2p before a byte is read. @default 2
   */
  maxInboundStreams?: number
  /** Diff streams this peer opens on one connection at once. @default 16 */
  maxOutboundStreams?: number
  /**
   * How fast one remote peer may ask for full diffs (the requests that make this peer build
   * one; a summary whose state hash matches costs nothing and is not counted). A request
   * beyond it is answered `RATE_LIMITED` with the time to wait, which the puller honours.
   * @default { burst: 10, perSecond: 2 }
   */
  pullRate?: PullRate
}

/** What the service needs of a libp2p node; a node's own components, or adapters over `Libp2p`. */
export interface DiffSyncComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
  }
  connectionManager: {
    openStream(peer: PeerId, protocol: string, options?: AbortOptions): Promise<Stream>
  }
  logger: ComponentLogger
}

export interface PullOptions {
  signal?: AbortSignal
  /** Send only the state hash first, and the full request only if the stores differ. @default true */
  summary?: boolean
}

export interface PullResult {
  /** Streams opened: 1 when the summary sufficed or a full request was sent at once, else 2, and one more when deaths were withheld. */
  rounds: number
  frames: number
  entries: number
  bytesSent: number
  bytesReceived: number
}

export interface DiffSyncStats {
  /** Requests answered in full, and the diff bytes sent for them. */
  served: number
  servedBytes: number
  /** Requests answered with a refusal (unknown mesh, undecodable diff request, rate limited). */
  refused: number
  /** Of those, full requests refused because their peer exceeded `pullRate`. */
  rateLimited: number
  /** Inbound streams aborted: garbage, an oversized or missing request, a reader that stalled past the timeout. */
  failed: number
  pulls: number
  pulledBytes: number
  sentBytes: number
}

/**
 * Something a remote peer did wrong, as seen by this peer's diff protocol, for a per-peer tally:
 * - `request`: a stream it opened that we refused or aborted while reading the request
 *   (garbage, an oversized or undecodable request, or none within the timeout);
 * - `rate-limited`: a full request of its that exceeded `pullRate`;
 * - `frame`: a response of its, to a pull of ours, that failed to decode or to integrate.
 *
 * `mesh` is known once a request or pull names it; garbage names none.
 */
export interface DiffFault {
  readonly peer: PeerId
  readonly kind: 'request' | 'rate-limited' | 'frame'
  readonly mesh?: string
}

export interface DiffSyncEvents {
  fault: CustomEvent<DiffFault>
}

/** The diff protocol as a libp2p service: `services: { diffSync: diffSync() }`. */
export function diffSync (init: DiffSyncInit = {}): (components: DiffSyncComponents) => DiffSync {
  return (components) => new DiffSync(components, init)
}
