import { ChangeEvent, changedBytes } from './change-event.ts'
import { OpsEvent } from './ops-event.ts'
import type { ChainTable } from './chain-table.ts'
import type { Codec } from './codecs.ts'
import type { BatchProof } from './diff.ts'
import type { Transaction } from './local-writes.ts'
import type { ReplicaState } from './replica-state.ts'
import type { StoreEventSink } from './store-event-target.ts'
import type { StorePersistence } from './store-persistence.ts'
import type { Op } from './types.ts'
import type { WriteRecords } from './write-record.ts'
import type { WriterTable } from './writer-table.ts'

/**
 * Tells what a commit or an integration changed: first the persistence, then the 'change'
 * listeners; and a local commit's ops, once signed, to the 'ops' listeners once durable.
 */
export class CommitNotifier<K, V> {
  /** Set once, right after the store is made: the persistence is made with access to that store. */
  persistence: StorePersistence | undefined
  readonly #events: StoreEventSink
  readonly #chains: ChainTable
  readonly #writers: WriterTable
  readonly #keys: Codec<K>
  readonly #values: Codec<V>

  constructor (events: StoreEventSink, chains: ChainTable, writers: WriterTable, keys: Codec<K>, values: Codec<V>) {
    this.#events = events
    this.#chains = chains
    this.#writers = writers
    this.#keys = keys
    this.#values = values
  }

  /** A local transaction's bitmaps are in line: persist it, then tell listeners (its ops go out once signed). */
  local (tx: Transaction): void {
    this.committed(tx.writes)
    this.emit('local', tx.writes)
  }

  /** A batch of this replica's ops is signed: the persistence keeps its proof, and its ops go out. */
  signed (local: ReplicaState, ops: readonly Op[], proof: BatchProof): void {
    if (proof.count > 0 || (proof.removals?.length ?? 0) > 0) this.persistence?.proved?.(local, proof)
    if (ops.length > 0 && this.#events.listening('ops')) this.#emitOps(ops)
  }

  /** A verified proof of another writer the store keeps from now on. */
  proved (writer: ReplicaState, proof: BatchProof): void {
    this.persistence?.proved?.(writer, proof)
  }

  /** Hands what a commit or an integration changed to the persistence, then forgets it. */
  committed (records: WriteRecords): void {
    const persistence = this.persistence
    // Only the persistence reads which writers changed: without one the set is left as it is (at
    // most every writer), since clearing it makes a new table, 120 bytes on every commit.
    if (persistence == null) return
    const writers: Set<ReplicaState> = this.#writers.seenChanged
    if (records.length > 0 || writers.size > 0) persistence.committed({ records, writers })
    writers.clear()
  }

  /**
   * Fires 'change', with the changes read before the dead rows are freed and before a
   * compaction moves the live ones.
   */
  emit (origin: 'local' | 'remote', records: WriteRecords): void {
    const changes = records.length > 0 && this.#events.listening('change') ? changedBytes(records, this.#chains.rows) : undefined
    this.#chains.settle()
    if (changes != null) this.#events.dispatchEvent(new ChangeEvent(origin, changes, this.#keys, this.#values))
  }

  /** Fires a local commit's 'ops' event, once the persistence says it is durable. */
  #emitOps (ops: readonly Op[]): void {
    if (this.persistence == null) this.#events.dispatchEvent(new OpsEvent(ops))
    else this.persistence.publish(() => { this.#events.dispatchEvent(new OpsEvent(ops)) })
  }
}
