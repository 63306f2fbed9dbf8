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
 * Writers bound to keys on one side and not on the other: signed ops or a signed diff reaching a
 * store made with `writerKeys: false`, or a persistent store opened the other way from how it was
 * made. Refused whole; nothing changed. (Unsigned input reaching a store whose writers are bound
 * to keys is refused as any unsigned input is: {@link InvalidSignatureError}.)
 */
export class WriterKeysMismatchError extends Error {
  static override readonly name = 'WriterKeysMismatchError'
  override readonly name = 'WriterKeysMismatchError'
}
