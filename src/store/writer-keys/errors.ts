/**
 * An entry or removal that is not signed by its writer's key: a bad signature, a card whose hash
 * is not the writer's replica id, or ops that do not match the batch they claim. The input is
 * refused whole and changes nothing.
 */
export class InvalidSignatureError extends Error {
  static override readonly name = 'InvalidSignatureError'
  override readonly name = 'InvalidSignatureError'
}

/** A signature this platform can only verify asynchronously, not verified ahead of a synchronous integration. */
export class UnverifiedError extends Error {
  static override readonly name = 'UnverifiedError'
  override readonly name = 'UnverifiedError'
}
