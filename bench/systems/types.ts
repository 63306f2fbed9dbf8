// The contract every system adapter implements. It is shaped around the
// workloads in bench/workloads/: local transactions (bulk insert, churn),
// one-op-per-transaction replication (op sync), and state-based anti-entropy
// rounds between two replicas (full sync, churn rounds, concurrent edits).
//
// Keys and values reach a system in its own natural form (bytes for roaring-mesh and a Map's
// latin1 strings, hex strings for the CRDT libraries, base64 values for TinyBase), made by
// `key()` and `value()` before any clock starts: the conversion is the caller's work, not the
// store's, and a timed span holds only the store's own work.

/** What one pull cost on the wire, counting every message in both directions. */
export interface SyncRound {
  /** Bytes of the first message the pulling replica sends (its "what do you have" request). */
  requestBytes: number
  /** Bytes of all messages in both directions, request included. */
  bytes: number
  /** Request/response pairs until the pulling replica is up to date. */
  roundTrips: number
}

export interface BenchSystem<R, K = unknown, V = unknown> {
  name: string
  version: string
  /** A key as this system takes it; never called inside a timed span. */
  key(bytes: Uint8Array): K
  /** A value as this system takes it; never called inside a timed span. */
  value(bytes: Uint8Array): V
  /** A new, empty replica with its own actor/peer id. */
  create(): R
  /** One transaction; a null value deletes that key. */
  write(replica: R, keys: K[], values: (V | null)[]): void
  /** One set in its own transaction, returning the op exactly as it would go on the wire. */
  setAsOp(replica: R, key: K, value: V): Uint8Array
  /** Decode and integrate an op produced by setAsOp on another replica. */
  applyOp(replica: R, op: Uint8Array): void
  /**
   * Finishes what the system does in the background after its writes (roaring-mesh: signing
   * them), before a sync workload's clock starts: a real replica's state is that old. Absent
   * where writes leave nothing behind.
   */
  settle?(replica: R): void
  /** The value's bytes (for checks only: not timed). */
  get(replica: R, key: K): Uint8Array | undefined
  size(replica: R): number
  /** Absent for the floor (a plain Map has no replication protocol). */
  sync?: SyncProtocol<R>
}

export interface SyncProtocol<R> {
  /**
   * Bring `to` up to date with `from` using the system's own state-sync
   * protocol, starting from no per-peer session state (a fresh connection).
   */
  pull(to: R, from: R): SyncRound | Promise<SyncRound>
  /** Size of the system's encoded snapshot of the whole replica, if it has one. */
  snapshotBytes?(replica: R): number
}

/** What each adapter module exports. */
export interface SystemModule {
  name: string
  version: string
  system: BenchSystem<unknown>
}
