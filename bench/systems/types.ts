// The contract every system adapter implements. It is shaped around the
// workloads in bench/workloads/: local transactions (bulk insert, churn),
// one-op-per-transaction replication (op sync), and state-based anti-entropy
// rounds between two replicas (full sync, churn rounds, concurrent edits).

/** What one pull cost on the wire, counting every message in both directions. */
export interface SyncRound {
  /** Bytes of the first message the pulling replica sends (its "what do you have" request). */
  requestBytes: number
  /** Bytes of all messages in both directions, request included. */
  bytes: number
  /** Request/response pairs until the pulling replica is up to date. */
  roundTrips: number
}

export interface BenchSystem<R> {
  name: string
  version: string
  /** A new, empty replica with its own actor/peer id. */
  create(): R
  /** One transaction; a null value deletes that key. */
  write(replica: R, keys: Uint8Array[], values: (Uint8Array | null)[]): void
  /** One set in its own transaction, returning the op exactly as it would go on the wire. */
  setAsOp(replica: R, key: Uint8Array, value: Uint8Array): Uint8Array
  /** Decode and integrate an op produced by setAsOp on another replica. */
  applyOp(replica: R, op: Uint8Array): void
  get(replica: R, key: Uint8Array): Uint8Array | undefined
  size(replica: R): number
  /** Absent for the floor (a plain Map has no replication protocol). */
  sync?: SyncProtocol<R>
}

export interface SyncProtocol<R> {
  /**
   * Bring `to` up to date with `from` using the system's own state-sync
   * protocol, starting from no per-peer session state (a fresh connection).
   */
  pull(to: R, from: R): SyncRound
  /** Size of the system's encoded snapshot of the whole replica, if it has one. */
  snapshotBytes?(replica: R): number
}

/** What each adapter module exports. */
export interface SystemModule {
  name: string
  version: string
  system: BenchSystem<unknown>
}
