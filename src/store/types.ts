/** A replica id: 16 random bytes, written as 32 lowercase hex characters. */
export type ReplicaId = string

/** One write's logical clock: the `seq`-th write of `replica`. */
export interface Dot {
  readonly replica: ReplicaId
  readonly seq: number
  /**
   * In a removal: the first 8 bytes of the removed entry's leaf (its hash under its batch's
   * salt), so that a removal cannot name an entry before it exists. Set by the store.
   */
  readonly tag?: Uint8Array
}

/** A writer's public key and its store's nonce: their hash is the writer's replica id. */
export interface WriterCard {
  readonly publicKey: Uint8Array
  readonly nonce: Uint8Array
}

/**
 * What a writer signed once for a run of its ops: the seqs `first` … `first + count − 1` (every
 * set among them) and the removals of those ops, under a random `salt`. See
 * src/protocols/wire/README.md for the bytes signed.
 */
export interface SignedBatch {
  readonly card: WriterCard
  readonly first: number
  readonly count: number
  readonly salt: Uint8Array
  readonly signature: Uint8Array
}

/** Hybrid logical clock: 48 bits of milliseconds since the epoch and a 16-bit counter. */
export interface Hlc {
  readonly wall: number
  readonly counter: number
}

/** A set: `key` now holds `value`, written as `dot` at `hlc`; `removes` are the dots it replaced. */
export interface SetOp {
  readonly kind: 'set'
  readonly key: Uint8Array
  readonly value: Uint8Array
  readonly dot: Dot
  readonly hlc: Hlc
  readonly removes: readonly Dot[]
  /** The signed batch this op belongs to (every op a store issues or a decoder reads has one). */
  readonly batch?: SignedBatch
}

/** A delete: the dots that were live at `key` when it was deleted. It takes no dot of its own. */
export interface DeleteOp {
  readonly kind: 'delete'
  readonly key: Uint8Array
  readonly removes: readonly Dot[]
  /** The signed batch this op belongs to. */
  readonly batch?: SignedBatch
}

/** One local write, as it travels to other replicas. Keys and values are the encoded bytes. */
export type Op = SetOp | DeleteOp

/** One live value at a key; concurrent sets leave several until a later write replaces them. */
export interface Sibling<V> {
  readonly value: V
  readonly dot: Dot
  readonly hlc: Hlc
}
