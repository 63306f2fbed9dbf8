/** Bytes that are not a valid roaring-mesh message: truncated, oversized, out of range or of an unknown version. */
export class InvalidMessageError extends Error {
  static override readonly name = 'InvalidMessageError'
  override readonly name = 'InvalidMessageError'
}

/** A key, value or argument the store cannot take (wrong type, too large, not encodable by the codec). */
export class InvalidArgumentError extends Error {
  static override readonly name = 'InvalidArgumentError'
  override readonly name = 'InvalidArgumentError'
}

/** A transaction call out of order: `begin()` inside a transaction, `commit()` or `rollback()` outside one. */
export class TransactionError extends Error {
  static override readonly name = 'TransactionError'
  override readonly name = 'TransactionError'
}
