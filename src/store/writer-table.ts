import { ReplicaState } from './replica-state.ts'
import type { EntryRows } from './entry-rows.ts'
import type { ReplicaId } from './types.ts'

/**
 * Every writer a store knows, with what it has seen of each. A writer known only from removals
 * (the store never held one of its entries) costs memory an attacker could claim at will by
 * naming made-up writers, so their number is bounded.
 */
export class WriterTable {
  /** Writers whose seen set the commit or integration under way has changed (for the persistence, which alone reads it). */
  readonly seenChanged = new Set<ReplicaState>()
  private readonly writers = new Map<ReplicaId, ReplicaState>()
  /** Writers known only from removals, bounded by `maxRemovalOnly`. */
  private readonly removalOnly = new Set<ReplicaState>()
  private readonly rows: EntryRows
  private readonly maxRemovalOnly: number

  constructor (rows: EntryRows, maxRemovalOnly: number) {
    this.rows = rows
    this.maxRemovalOnly = maxRemovalOnly
  }

  get (id: ReplicaId): ReplicaState | undefined {
    return this.writers.get(id)
  }

  values (): IterableIterator<ReplicaState> {
    return this.writers.values()
  }

  /** The writer of an entry: from now on not one known only from removals. */
  writer (id: ReplicaId): ReplicaState {
    const replica = this.writers.get(id)
    if (replica == null) return this.add(id)
    if (this.removalOnly.size > 0) this.removalOnly.delete(replica)
    return replica
  }

  /** The writer a removal names, or undefined when it is unknown and enough such writers are kept already. */
  forRemoval (id: ReplicaId): ReplicaState | undefined {
    const known = this.writers.get(id)
    if (known != null) return known
    if (this.removalOnly.size >= this.maxRemovalOnly) return undefined
    const replica = this.add(id)
    this.removalOnly.add(replica)
    return replica
  }

  private add (id: ReplicaId): ReplicaState {
    const replica = new ReplicaState(id)
    replica.index = this.rows.addWriter(replica)
    this.writers.set(id, replica)
    return replica
  }
}
