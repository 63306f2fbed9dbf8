/**
 * The remote peer answered a diff request with a refusal: it does not serve the mesh, could not
 * read the request, or (a private mesh) we have not proven that we hold the mesh key.
 */
export class DiffRefusedError extends Error {
  static override readonly name = 'DiffRefusedError'
  override readonly name = 'DiffRefusedError'
  readonly reason: 'unknown-mesh' | 'bad-request' | 'not-a-member'

  constructor (reason: 'unknown-mesh' | 'bad-request' | 'not-a-member', message: string) {
    super(message)
    this.reason = reason
  }
}

/** The remote peer broke the protocol: a message out of place, or a stream that ended early. */
export class ProtocolViolationError extends Error {
  static override readonly name = 'ProtocolViolationError'
  override readonly name = 'ProtocolViolationError'
}
