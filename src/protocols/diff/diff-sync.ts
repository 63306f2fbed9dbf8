import { lpStream, pbStream } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { InvalidArgumentError, InvalidMessageError } from '../../store/errors.ts'
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../../store/limits.ts'
import { decodeDiff, encodeDiff, entryCount } from '../wire/diff-codec.ts'
import { decodeDiffRequest, encodeDiffRequestPages, MAX_REQUEST_PAGE_BYTES } from '../wire/diff-request-codec.ts'
import { DiffRefusedError, ProtocolViolationError } from './errors.ts'
import { nextTask, whenIdle, type DiffStore } from './diff-store.ts'
import { FrameReader } from './frame-reader.ts'
import { PullRateLimiter } from './pull-rate-limiter.ts'
import { DiffRequestMessage, DiffResponseMessage } from './pb/diff.ts'
import type { DiffFault, DiffSyncComponents, DiffSyncEvents, DiffSyncInit, DiffSyncStats, PullOptions, PullResult } from './index.ts'
import type { DiffRequest } from '../../store/diff.ts'
import type { Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

export const PROTOCOL = '/roaring-mesh/diff/1.0.0'

const EMPTY = new Uint8Array(0)
/** Room for the protobuf envelope around a frame. */
const ENVELOPE_BYTES = 64
/** The longest wait a RATE_LIMITED answer may ask of us: a hostile responder cannot silence itself for longer. */
const MAX_RETRY_AFTER_MS = 5 * 60_000

/** Errors a responder causes by what it sends, as opposed to a connection that fails. */
function isResponderFault (err: any): boolean {
  return err instanceof ProtocolViolationError || err instanceof InvalidMessageError || err instanceof InvalidArgumentError ||
    err?.name === 'InvalidSignatureError' || err?.name === 'WriterKeysMismatchError' || err?.name === 'InvalidMessageLengthError' || err?.name === 'InvalidParametersError'
}

export class DiffSync extends TypedEventEmitter<DiffSyncEvents> implements Startable {
  readonly protocol = PROTOCOL
  readonly #components: DiffSyncComponents
  readonly #log: Logger
  readonly #init: Required<DiffSyncInit>
  readonly #stores = new Map<string, DiffStore>()
  readonly #limiter: PullRateLimiter
  #authorize: ((connection: Connection) => Promise<boolean>) | undefined
  readonly #stats: DiffSyncStats = { served: 0, servedBytes: 0, refused: 0, rateLimited: 0, failed: 0, pulls: 0, pulledBytes: 0, sentBytes: 0 }
  #started = false

  constructor (components: DiffSyncComponents, init: DiffSyncInit = {}) {
    super()
    this.#components = components
    this.#log = components.logger.forComponent('roaring-mesh:diff')
    this.#init = {
      maxFrameBytes: init.maxFrameBytes ?? 64 * 1024,
      maxRequestBytes: init.maxRequestBytes ?? 1024 * 1024,
      timeout: init.timeout ?? 10_000,
      maxInboundStreams: init.maxInboundStreams ?? 2,
      maxOutboundStreams: init.maxOutboundStreams ?? 16,
      pullRate: init.pullRate ?? { burst: 10, perSecond: 2 }
    }
    // Any store's request must be readable: a large one comes in pages of this size.
    if (this.#init.maxRequestBytes < MAX_REQUEST_PAGE_BYTES + ENVELOPE_BYTES) {
      throw new InvalidArgumentError(`maxRequestBytes ${this.#init.maxRequestBytes} is below a request page (${MAX_REQUEST_PAGE_BYTES + ENVELOPE_BYTES} bytes with its envelope)`)
    }
    this.#limiter = new PullRateLimiter(this.#init.pullRate)
  }

  readonly [Symbol.toStringTag] = '@roaring-mesh/diff-sync'

  isStarted (): boolean {
    return this.#started
  }

  async start (): Promise<void> {
    if (this.#started) return
    await this.#components.registrar.handle(PROTOCOL, this.#handle, {
      maxInboundStreams: this.#init.maxInboundStreams,
      maxOutboundStreams: this.#init.maxOutboundStreams,
      // Diffs can be large: they never go over a relay's limited connection.
      runOnLimitedConnection: false
    })
    this.#started = true
  }

  async stop (): Promise<void> {
    if (!this.#started) return
    this.#started = false
    await this.#components.registrar.unhandle(PROTOCOL)
  }

  serve (mesh: string, store: DiffStore): void {
    this.#stores.set(mesh, store)
  }

  unserve (mesh: string): void {
    this.#stores.delete(mesh)
  }

  /** In a private mesh: serves only peers `authorize` admits on the stream's connection, refuses the others with NOT_MEMBER. */
  authorize (authorize: ((connection: Connection) => Promise<boolean>) | undefined): void {
    this.#authorize = authorize
  }

  stats (): DiffSyncStats {
    return { ...this.#stats }
  }

  #fault (fault: DiffFault): void {
    this.safeDispatchEvent('fault', { detail: fault })
  }

  /**
   * Answers one request: reads it (bounded, timed), refuses it if it is bad or its peer pulls
   * too often, else streams the diff frame by frame with backpressure.
   */
  readonly #handle = async (stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer
    const messages = pbStream(stream, { maxDataLength: this.#init.maxRequestBytes })
    const { timeout } = this.#init
    // A failure before the request is read is the requester's doing; after, it may be the link's.
    let requestRead = false
    // Whether the peer proved the mesh key is settled while its request is read.
    const admitted = this.#authorize?.(connection)
    try {
      const { mesh, request: bytes } = await messages.read(DiffRequestMessage, { signal: AbortSignal.timeout(timeout) })
      requestRead = true
      if (admitted != null && !(await admitted)) {
        this.#stats.refused++
        this.#log('refusing %p: not a proven member', peer)
        await messages.write({ status: DiffResponseMessage.Status.NOT_MEMBER, diff: EMPTY }, DiffResponseMessage, { signal: AbortSignal.timeout(timeout) })
        await stream.close({ signal: AbortSignal.timeout(timeout) })
        return
      }
      const store = this.#stores.get(mesh)
      if (store == null) {
        this.#stats.refused++
        this.#log('refusing %p: mesh %s is not served here', peer, mesh)
        await messages.write({ status: DiffResponseMessage.Status.UNKNOWN_MESH, diff: EMPTY }, DiffResponseMessage, { signal: AbortSignal.timeout(timeout) })
        await stream.close({ signal: AbortSignal.timeout(timeout) })
        return
      }
      let request: DiffRequest
      try {
        request = decodeDiffRequest(bytes)
      } catch (err) {
        this.#stats.refused++
        this.#log.error('refusing %p: bad diff request - %e', peer, err)
        this.#fault({ peer, kind: 'request', mesh })
        await messages.write({ status: DiffResponseMessage.Status.BAD_REQUEST, diff: EMPTY }, DiffResponseMessage, { signal: AbortSignal.timeout(timeout) })
        await stream.close({ signal: AbortSignal.timeout(timeout) })
        return
      }
      // Only a full request makes us build a diff; a summary is answered from the state hash.
      const retryAfterMs = request.replicas == null ? 0 : this.#limiter.take(peer.toString())
      if (retryAfterMs > 0) {
        this.#stats.refused++
        this.#stats.rateLimited++
        this.#log('refusing %p: full diff requests beyond the rate, retry after %d ms', peer, retryAfterMs)
        this.#fault({ peer, kind: 'rate-limited', mesh })
        await messages.write({ status: DiffResponseMessage.Status.RATE_LIMITED, diff: EMPTY, retryAfterMs }, DiffResponseMessage, { signal: AbortSignal.timeout(timeout) })
        await stream.close({ signal: AbortSignal.timeout(timeout) })
        return
      }
      let sent = 0
      for (const frame of store.buildDiffFrames(request, { maxFrameBytes: this.#init.maxFrameBytes })) {
        const diff = encodeDiff(frame)
        sent += diff.byteLength
        // Each frame must drain within the timeout: a peer that stops reading is cut off.
        await messages.write({ status: DiffResponseMessage.Status.FRAME, diff }, DiffResponseMessage, { signal: AbortSignal.timeout(timeout) })
      }
      await messages.write({ status: DiffResponseMessage.Status.DONE, diff: EMPTY }, DiffResponseMessage, { signal: AbortSignal.timeout(timeout) })
      await stream.close({ signal: AbortSignal.timeout(timeout) })
      this.#stats.served++
      this.#stats.servedBytes += sent
      this.#log.trace('served %d diff bytes of %s to %p', sent, mesh, peer)
    } catch (err: any) {
      this.#stats.failed++
      this.#log.error('diff stream from %p failed - %e', peer, err)
      if (!requestRead) this.#fault({ peer, kind: 'request' })
      stream.abort(err)
    }
  }

  /**
   * Pulls what `store` lacks from `peer`, integrating frame by frame as they arrive. A summary
   * request (the default) costs a few dozen bytes when both agree; when they do not, a full
   * request follows on a second stream. A full request lets the responder withhold the deaths
   * this store has seen (`narrowDeaths`); if it did, a last full request names the suspects its
   * entries made, and gets the deaths among them (or all of them). A death of an entry held live
   * here that came without evidence is not taken: one more full request names it, and its answer
   * must prove it.
   */
  async pull (peer: PeerId, mesh: string, store: DiffStore, options: PullOptions = {}): Promise<PullResult> {
    const result: PullResult = { frames: 0, entries: 0, bytesSent: 0, bytesReceived: 0, rounds: 0 }
    let request = store.requestDiff({ summary: options.summary ?? true, narrowDeaths: true })
    // Live entries called dead without evidence are named once in a request after: bounded.
    let doubtsAsked = false
    while (true) {
      let needsFull = false
      let withheld = false
      // A store that knows many writers asks in pages, each of which any responder reads.
      for (const page of encodeDiffRequestPages(request)) {
        result.rounds++
        const answer = await this.#exchange(peer, mesh, store, page, result, options.signal)
        needsFull ||= answer.needsFull
        withheld ||= answer.withheld
      }
      if (request.replicas == null && needsFull) request = store.requestDiff({ hash: false, narrowDeaths: true })
      // Never narrowed twice: the last request always ends with every death this store lacks.
      else if (withheld && request.narrowDeaths === true) request = store.requestDiff({ hash: false })
      else if (!doubtsAsked && store.deathsInDoubt?.() === true) {
        doubtsAsked = true
        request = store.requestDiff({ hash: false })
      } else break
    }
    this.#stats.pulls++
    this.#stats.pulledBytes += result.bytesReceived
    this.#stats.sentBytes += result.bytesSent
    return result
  }

  /** One request and its frames; returns whether the responder asked for a full request, and whether it withheld deaths. */
  async #exchange (peer: PeerId, mesh: string, store: DiffStore, bytes: Uint8Array<ArrayBuffer>, result: PullResult, signal?: AbortSignal): Promise<{ needsFull: boolean, withheld: boolean }> {
    const { timeout } = this.#init
    const timed = (): AbortSignal => signal == null ? AbortSignal.timeout(timeout) : AbortSignal.any([signal, AbortSignal.timeout(timeout)])
    const stream = await this.#components.connectionManager.openStream(peer, PROTOCOL, { signal: timed() })
    const maxFrame = Math.max(this.#init.maxFrameBytes, MAX_KEY_BYTES + MAX_VALUE_BYTES + 1024) + ENVELOPE_BYTES
    let frames: FrameReader | undefined
    let needsFull = false
    let withheld = false
    try {
      result.bytesSent += bytes.byteLength
      const writer = lpStream(stream)
      await writer.write(DiffRequestMessage.encode({ mesh, request: bytes }), { signal: timed() })
      writer.unwrap()
      // Frames are read with backpressure: the store may integrate slower than the link delivers.
      frames = new FrameReader(stream, { maxDataLength: maxFrame })
      while (true) {
        const response = decodeResponse(await frames.read(timed()))
        if (response.status === DiffResponseMessage.Status.DONE) break
        if (response.status === DiffResponseMessage.Status.UNKNOWN_MESH) throw new DiffRefusedError('unknown-mesh', `${peer.toString()} does not serve mesh ${mesh}`)
        if (response.status === DiffResponseMessage.Status.NOT_MEMBER) throw new DiffRefusedError('not-a-member', `${peer.toString()} refused us: we have not proven the mesh key to it`)
        if (response.status === DiffResponseMessage.Status.BAD_REQUEST) throw new DiffRefusedError('bad-request', `${peer.toString()} could not read our diff request`)
        if (response.status === DiffResponseMessage.Status.RATE_LIMITED) {
          const retryAfterMs = Math.min(Math.max(response.retryAfterMs ?? 1000, 0), MAX_RETRY_AFTER_MS)
          throw new DiffRefusedError('rate-limited', `${peer.toString()} refused a full diff: retry after ${retryAfterMs} ms`, { retryAfterMs })
        }
        if (response.status !== DiffResponseMessage.Status.FRAME) throw new ProtocolViolationError(`unexpected response status ${String(response.status)}`)
        result.bytesReceived += response.diff.byteLength
        const diff = decodeDiff(response.diff)
        needsFull ||= diff.needsFullRequest
        withheld ||= diff.deathsWithheld === true
        await store.verifyDiff?.(diff, { signal })
        await whenIdle(store, signal)
        await store.integrateDiff(diff)
        result.frames++
        for (const group of diff.groups) result.entries += entryCount(group)
        await nextTask()
      }
      await stream.close({ signal: timed() })
    } catch (err: any) {
      this.#log.error('pulling %s from %p failed - %e', mesh, peer, err)
      if (signal?.aborted !== true && isResponderFault(err)) this.#fault({ peer, kind: 'frame', mesh })
      stream.abort(err)
      throw err
    } finally {
      frames?.release()
    }
    return { needsFull, withheld }
  }
}

/** The response envelope of one frame; a stream that ends before `DONE` is a violation too. */
function decodeResponse (frame: Uint8ArrayList | undefined): DiffResponseMessage {
  if (frame == null) throw new ProtocolViolationError('the diff stream ended before DONE')
  try {
    return DiffResponseMessage.decode(frame)
  } catch (err: any) {
    throw new ProtocolViolationError(`malformed diff response envelope: ${String(err?.message ?? err)}`, { cause: err })
  }
}
