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

/**
 * Writers bound to keys on one side and not on the other (`writerKeys: false`): unsigned ops or
 * a diff reaching a store that requires signatures, signed ones reaching a store without writer
 * keys, or a persistent store reopened the other way. Refused whole; nothing changed.
 */
export class WriterKeysMismatchError extends Error {
  static override readonly name = 'WriterKeysMismatchError'
  override readonly name = 'WriterKeysMismatchError'
}
