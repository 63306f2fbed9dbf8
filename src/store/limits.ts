/** The largest key, in encoded bytes. */
export const MAX_KEY_BYTES = 4096
/** The largest value, in encoded bytes: a value travels whole in one op and one diff frame. */
export const MAX_VALUE_BYTES = 1024 * 1024
/**
 * The largest seq a writer may issue: 2^48 − 1, far beyond any store's life (a million writes a
 * second for nine years) and well inside a double's exact integers, so sums and ranges over seqs
 * never round. Decoders refuse larger seqs; a store that reaches it refuses further writes.
 */
export const MAX_SEQ = 2 ** 48 - 1
/**
 * The most writers one ops message may name (its replica table). A transaction that touches more
 * is sent as several messages; a decoder refuses a larger table before reading it.
 */
export const MAX_WRITERS_PER_MESSAGE = 1024
/** The default of `MemStoreOptions.maxRemovalOnlyWriters`: writers a store keeps that it knows only from removals. */
export const MAX_REMOVAL_ONLY_WRITERS = 4096
