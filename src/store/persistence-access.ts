import { unprovenDeaths } from './writer-keys/unproven-deaths.ts'
import type { ChainTable } from './chain-table.ts'
import type { HybridClock } from './hlc.ts'
import type { LocalWrites } from './local-writes.ts'
import type { PersistenceAccess, StoreRestorer, StoreView } from './store-persistence.ts'
import type { WriterTable } from './writer-table.ts'

/** The parts of a store its persistence reads and restores. */
export interface PersistedParts {
  readonly chains: ChainTable
  readonly writers: WriterTable
  readonly writes: LocalWrites
  readonly clock: HybridClock
  readonly writerKeys: boolean
}

/** What a store's persistence gets of it: a view to read what changed, a restorer to put a saved state back. */
export function persistenceAccess (parts: PersistedParts): PersistenceAccess {
  return { view: viewOf(parts), restorer: restorerOf(parts) }
}

function viewOf ({ chains, writers, writes, clock }: PersistedParts): StoreView {
  return {
    chainAt: (key) => chains.chainEntries(key),
    get nextSeq () { return writes.nextSeq },
    get clockTime () { return clock.peek() },
    get size () { return chains.size },
    replica: (id) => writers.get(id),
    opsSent: async () => { await writes.opsSent() }
  }
}

function restorerOf ({ chains, writers, writes, clock, writerKeys }: PersistedParts): StoreRestorer {
  return {
    restoreSeen: (replicaId, seen) => {
      const replica = writers.writer(replicaId)
      replica.markSeenDead(seen)
      return replica
    },
    restoreEntry: (key, value, replicaId, seq, hlc) => {
      const replica = writers.get(replicaId)
      if (replica == null || !replica.seen.has(seq) || replica.dots.has(seq)) return false
      replica.addLive(seq, chains.restore(key, value, replica, seq, hlc))
      return true
    },
    restoreNextSeq: (seq) => { writes.nextSeq = seq },
    restoreClock: (time) => { clock.restore(time) },
    restoreProof: (replicaId, card, proof) => {
      const replica = writers.writer(replicaId)
      replica.proofs.card ??= card
      replica.proofs.add(proof)
      // Its removals are the evidence of the deaths they caused (a removal whose tag names another version proves nothing).
      const cause = { remover: replicaId, batch: proof }
      for (const dot of proof.removals ?? []) writers.writer(dot.replica).proofs.noteRemoval(dot.seq, cause)
    },
    unprovenDeaths: () => writerKeys ? unprovenDeaths(writers.values()) : [],
    resign: (removals) => { writes.resign(removals) }
  }
}
