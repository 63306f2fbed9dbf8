// Which LevelDB failures mean what. classic-level wraps LevelDB's status in a ModuleError whose
// code says the kind (LEVEL_CORRUPTION, LEVEL_IO_ERROR, LEVEL_LOCKED…) and whose message, or its
// cause's, is LevelDB's own text, naming the file when LevelDB knows it.

import { CorruptStoreError, StoreFullError } from '../errors.ts'

function codes (err: any): string[] {
  return [err?.code, err?.cause?.code].filter((code): code is string => typeof code === 'string')
}

/** LevelDB's own words for a failure: the innermost message. */
function levelMessage (err: any): string {
  return String(err?.cause?.message ?? err?.message ?? err)
}

/** Another process holds the database: not damage, and nothing was touched. */
export function isLocked (err: unknown): boolean {
  return codes(err).includes('LEVEL_LOCKED')
}

export function isDiskFull (err: unknown): boolean {
  return codes(err).includes('ENOSPC') || /No space left on device|ENOSPC/i.test(`${String((err as any)?.message)} ${levelMessage(err)}`)
}

function isLevelError (err: unknown): boolean {
  return codes(err).some((code) => code.startsWith('LEVEL_'))
}

/**
 * Failures that say nothing about the files' contents: a lock another process holds, a full disk,
 * a permission, a limit. They must not pass for damage, which salvage would act on.
 */
function notDamage (location: string, err: unknown): unknown {
  if (isLocked(err)) return err
  if (isDiskFull(err)) return new StoreFullError(`${location}: the disk is full: the store cannot be opened until there is room (${levelMessage(err)})`, { cause: err })
  if (/Permission denied|EACCES|Too many open files|EMFILE|Read-only file system|EROFS/.test(levelMessage(err))) return err
  return undefined
}

/** A failure of LevelDB to open a database that is there: damage, reported as such, unless {@link notDamage}. */
export function openError (location: string, err: unknown): unknown {
  return notDamage(location, err) ?? new CorruptStoreError(`${location}: corrupt store: the database cannot be opened (${levelMessage(err)})`, { cause: err })
}

/** A failure while loading the records: our own check failed, or LevelDB could not read a file. */
export function asCorrupt (location: string, err: unknown): unknown {
  if (err instanceof CorruptStoreError) return new CorruptStoreError(`${location}: ${err.message}`, { cause: err.cause ?? err })
  if (!isLevelError(err)) return err
  return notDamage(location, err) ?? new CorruptStoreError(`${location}: corrupt store: reading the records failed (${levelMessage(err)})`, { cause: err })
}
