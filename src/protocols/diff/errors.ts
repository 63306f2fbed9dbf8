/** Why a responder refused a diff request. */
export type DiffRefusal = 'unknown-mesh' | 'bad-request' | 'rate-limited' | 'not-a-member'

/**
 * The remote peer answered a diff request with a refusal: it does not serve the mesh, could not
 * read the request, this peer asked for full diffs faster than it serves one peer, or (a private
 * mesh) we have not proven that we hold the mesh key.
 */
export class DiffRefusedError extends Error {
  static override readonly name = 'DiffRefusedError'
  override readonly name = 'DiffRefusedError'
  readonly reason: DiffRefusal
  /** With `rate-limited`: how long the responder asks us to wait before the next full request, in ms. */
  readonly retryAfterMs: number | undefined

  constructor (reason: DiffRefusal, message: string, options: { retryAfterMs?: number } = {}) {
    super(message)
    this.reason = reason
    this.retryAfterMs = options.retryAfterMs
  }
}

/** The remote peer broke the protocol: a message out of place, or a stream that ended early. */
export class ProtocolViolationError extends Error {
  static override readonly name = 'ProtocolViolationError'
  override readonly name = 'ProtocolViolationError'
}
