import { LengthPrefixedDecoder } from '@libp2p/utils'
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * The most a yamux stream's receive window grows to (@chainsafe/libp2p-yamux's
 * `MAX_STREAM_WINDOW`): after `pause()` up to this much may still arrive.
 */
const MAX_WINDOW_BYTES = 16 * 1024 * 1024

export interface FrameReaderOptions {
  /** The largest frame accepted; a longer length prefix aborts the stream before its body is buffered. */
  maxDataLength: number
  /** Queued frames above this many bytes pause the stream; below half of it, it resumes. @default 1048576 */
  highWaterMark?: number
}

/**
 * Reads length-prefixed frames from a stream with backpressure. libp2p's `lpStream` accepts
 * data as fast as it comes and aborts past its 4 MiB buffer, so a consumer slower than the
 * link (an async store integrating each frame) would be cut off. Here frames queue up to
 * `highWaterMark`, then the stream is paused, which on yamux withholds window updates so the
 * sender's writes stop draining. What the sender had been granted before the pause still
 * arrives, so the stream's own read buffer is raised to hold a full window.
 *
 * Muxers without read backpressure (WebRTC data channels in @libp2p/webrtc 6 ignore pause)
 * keep delivering into that buffer; past it the stream aborts, memory stays bounded, and
 * what was integrated so far stays for the next pull to build on.
 */
export class FrameReader {
  readonly #stream: Stream
  readonly #decoder: LengthPrefixedDecoder
  readonly #highWaterMark: number
  readonly #queue: Uint8ArrayList[] = []
  #queued = 0
  #ended = false
  #error: Error | undefined
  #wake: (() => void) | undefined
  #resuming = false

  constructor (stream: Stream, options: FrameReaderOptions) {
    this.#stream = stream
    this.#highWaterMark = options.highWaterMark ?? 1024 * 1024
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, MAX_WINDOW_BYTES + 2 * options.maxDataLength)
    this.#decoder = new LengthPrefixedDecoder({
      maxDataLength: options.maxDataLength,
      // A resume hands over everything buffered while paused in one chunk.
      maxBufferSize: stream.maxReadBufferLength + options.maxDataLength + 16
    })
    stream.addEventListener('message', this.#onMessage)
    stream.addEventListener('remoteCloseWrite', this.#onRemoteCloseWrite)
    stream.addEventListener('close', this.#onClose)
    if (stream.remoteWriteStatus !== 'writable' && stream.readBufferLength === 0) this.#ended = true
  }

  /** Bytes of frames received and not yet read. */
  get queuedBytes (): number {
    return this.#queued
  }

  /**
   * The next frame, or `undefined` once the remote closed its end cleanly. Rejects with the
   * stream's error, a malformed length prefix's, or `signal`'s reason.
   */
  async read (signal: AbortSignal): Promise<Uint8ArrayList | undefined> {
    while (true) {
      const frame = this.#queue.shift()
      if (frame != null) {
        this.#queued -= frame.byteLength
        if (this.#queued < this.#highWaterMark / 2 && this.#stream.readStatus === 'paused') this.#resume()
        return frame
      }
      if (this.#error != null) throw this.#error
      if (this.#stream.readStatus === 'paused') {
        this.#resume()
        continue
      }
      if (this.#ended) return undefined
      signal.throwIfAborted()
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          this.#wake = undefined
          reject(signal.reason)
        }
        this.#wake = () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }
        signal.addEventListener('abort', onAbort, { once: true })
      })
    }
  }

  /** Detaches from the stream (call once done with it, whatever the outcome). */
  release (): void {
    this.#stream.removeEventListener('message', this.#onMessage)
    this.#stream.removeEventListener('remoteCloseWrite', this.#onRemoteCloseWrite)
    this.#stream.removeEventListener('close', this.#onClose)
    this.#queue.length = 0
    this.#queued = 0
  }

  #resume (): void {
    // resume() dispatches the paused buffer synchronously before yamux is told to resume: a
    // pause() from inside that dispatch would be overridden, and the window reopened for good.
    this.#resuming = true
    try {
      this.#stream.resume()
    } finally {
      this.#resuming = false
    }
    this.#pauseIfBehind()
  }

  #pauseIfBehind (): void {
    if (this.#queued >= this.#highWaterMark && this.#stream.readStatus === 'readable') this.#stream.pause()
  }

  #notify (): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  readonly #onMessage = (event: StreamMessageEvent): void => {
    try {
      for (const frame of this.#decoder.decode(event.data)) {
        this.#queue.push(frame)
        this.#queued += frame.byteLength
      }
    } catch (err: any) {
      this.#error ??= err
      this.#stream.abort(err)
    }
    if (!this.#resuming) this.#pauseIfBehind()
    this.#notify()
  }

  readonly #onRemoteCloseWrite = (): void => {
    this.#ended = true
    this.#notify()
  }

  readonly #onClose = (event: StreamCloseEvent): void => {
    this.#ended = true
    if (event.error != null) this.#error ??= event.error
    this.#notify()
  }
}
