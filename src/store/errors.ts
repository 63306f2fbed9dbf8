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

/** A persistent store's database is not a roaring-mesh store, is of an unknown format version, or holds a record that fails validation. */
export class CorruptStoreError extends Error {
  static override readonly name = 'CorruptStoreError'
  override readonly name = 'CorruptStoreError'
}

/** A write to, or a close of, a persistent store that has been closed. */
export class StoreClosedError extends Error {
  static override readonly name = 'StoreClosedError'
  override readonly name = 'StoreClosedError'
}
