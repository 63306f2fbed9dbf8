/** A replica id: 16 random bytes, written as 32 lowercase hex characters. */
export type ReplicaId = string

/** One write's logical clock: the `seq`-th write of `replica`. */
export interface Dot {
  readonly replica: ReplicaId
  readonly seq: number
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
}

/** A delete: the dots that were live at `key` when it was deleted. It takes no dot of its own. */
export interface DeleteOp {
  readonly kind: 'delete'
  readonly key: Uint8Array
  readonly removes: readonly Dot[]
}

/** One local write, as it travels to other replicas. Keys and values are the encoded bytes. */
export type Op = SetOp | DeleteOp

/** One live value at a key; concurrent sets leave several until a later write replaces them. */
export interface Sibling<V> {
  readonly value: V
  readonly dot: Dot
  readonly hlc: Hlc
}
