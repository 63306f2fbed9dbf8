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

/**
 * A persistent store cannot be opened as it is: its directory is not a roaring-mesh store, has an
 * unknown format version, or has a damaged file or a record that fails its checks. The message
 * says what is damaged and where; `cause` holds the underlying error, if any. Nothing was changed:
 * `LevelStore.open(location, { salvage: true })` keeps what checks out.
 */
export class CorruptStoreError extends Error {
  static override readonly name = 'CorruptStoreError'
  override readonly name = 'CorruptStoreError'
}

/**
 * A persistent store written before writers were bound to keys (store format 1 or 2, by
 * roaring-mesh before wire format 3): its replica id is bound to no key, so this version cannot
 * write under it or prove its entries. Nothing was changed. `migrateStore(location)` (CLI:
 * `roaring-mesh migrate`) carries its entries into a new store and keeps the old one.
 */
export class OutdatedStoreError extends Error {
  static override readonly name = 'OutdatedStoreError'
  override readonly name = 'OutdatedStoreError'
  /** The store's format version (1 or 2). */
  readonly version: number

  constructor (location: string, version: number) {
    super(`${location}: store format ${version} was written before writers were bound to keys; this version opens formats 3 and 4 only. Nothing was changed: migrateStore('${location}') (CLI: roaring-mesh migrate --data DIR) carries its entries into a new store and keeps this one`)
    this.version = version
  }
}

/** A write to, or a close of, a persistent store that has been closed. */
export class StoreClosedError extends Error {
  static override readonly name = 'StoreClosedError'
  override readonly name = 'StoreClosedError'
}

/**
 * A dot under this replica's own id that it never issued: a seq at or above its next one. Either
 * someone writes as this replica, or its data directory was copied and both copies write. Ops
 * naming one are refused whole; in a diff such dots are left out (see `ForeignDotEvent`). Nothing
 * of this replica's own seqs ever moves because of them.
 */
export class ForeignDotError extends Error {
  static override readonly name = 'ForeignDotError'
  override readonly name = 'ForeignDotError'
  /** The first such seq the input named. */
  readonly seq: number

  constructor (seq: number, message: string) {
    super(message)
    this.seq = seq
  }
}

/** This replica has issued every seq up to {@link MAX_SEQ}: it takes no more writes (continue under a new replica id). */
export class SeqLimitError extends Error {
  static override readonly name = 'SeqLimitError'
  override readonly name = 'SeqLimitError'
}

/**
 * A persistent store's disk is full. The commit that met it is applied in memory but not on disk;
 * the store keeps it and writes it with the next write, `flush()` or `close()` that finds room.
 * Nothing committed before is lost or torn. `code` is 'ENOSPC'.
 */
export class StoreFullError extends Error {
  static override readonly name = 'StoreFullError'
  override readonly name = 'StoreFullError'
  readonly code = 'ENOSPC'
}

/**
 * A message in a wire format version this build does not read: version 2 and older predate
 * writers bound to keys, whose signatures every store now requires.
 */
export class UnsupportedVersionError extends InvalidMessageError {
  static override readonly name = 'UnsupportedVersionError' as 'InvalidMessageError'
  override readonly name = 'UnsupportedVersionError' as 'InvalidMessageError'
  readonly version: number

  constructor (version: number, what: string) {
    super(`${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what} of wire format version ${version}, but this build reads only version 3${version < 3 && version > 0 ? ' (versions before 3 carry no writer signatures)' : ''}`)
    this.version = version
  }
}
