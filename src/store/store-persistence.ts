import type { ClockSet } from './clock-set.ts'
import type { BatchProof } from './diff.ts'
import type { ChainEntry } from './entry-rows.ts'
import type { ReplicaState } from './replica-state.ts'
import type { Hlc, ReplicaId, WriterCard } from './types.ts'
import type { TaggedDot } from './writer-keys/batch-digest.ts'
import type { WriteRecords } from './write-record.ts'

// The seam between the in-memory store and whatever keeps it (LevelStore): what changed, a way
// to read it, and a way to put a saved state back. MemStore itself persists nothing.

/** What a commit or an integration changed; neither set may be kept past the call. */
export interface CommittedChanges {
  /** The keys whose chains changed: read each chain now with {@link StoreView.chainAt}. */
  readonly records: WriteRecords
  /** The writers whose seen set changed. */
  readonly writers: ReadonlySet<ReplicaState>
}

/** How persistence reads the store it keeps. */
export interface StoreView {
  /** The live entries at a key (siblings, usually one), if any. */
  chainAt: (key: Uint8Array) => ChainEntry[] | undefined
  /** The seq the next local set will take. */
  readonly nextSeq: number
  /** The hybrid clock's last timestamp, issued or observed. */
  readonly clockTime: Hlc
  /** Keys with a value. */
  readonly size: number
  /** What the store knows of a writer (its proofs, its card), if anything. */
  replica: (id: ReplicaId) => ReplicaState | undefined
  /** Resolves once the ops of every local commit so far that sends them are signed and handed on (the rest is signed when needed, after a reopen too). */
  opsSent: () => Promise<void>
}

/** How persistence puts a saved state back into a store it is opening. */
export interface StoreRestorer {
  /** Adds saved seqs to what the store has seen of a writer, and returns that writer. */
  restoreSeen: (replicaId: ReplicaId, seen: ClockSet) => ReplicaState
  /**
   * Puts back a saved live entry, after its writer's seen set. Returns false, changing nothing,
   * if its dot is not seen (a live dot always is) or is already live.
   */
  restoreEntry: (key: Uint8Array, value: Uint8Array, replicaId: ReplicaId, seq: number, hlc: Hlc) => boolean
  /** Sets the seq the next local set takes. */
  restoreNextSeq: (seq: number) => void
  /** Moves the clock up to a saved timestamp, however far ahead of the wall clock. */
  restoreClock: (time: Hlc) => void
  /** Puts back a saved signed batch of a writer; its signature was checked when it was first kept. */
  restoreProof: (replicaId: ReplicaId, card: WriterCard, proof: BatchProof) => void
  /** Once restored: the deaths whose evidence is lost though the dead entry's leaf is here (see `unprovenDeaths`); none without writer keys. */
  unprovenDeaths: () => Iterable<TaggedDot>
  /** Hands removals to this replica's signer, to sign as its own with its next batch (nothing without writer keys). */
  resign: (removals: TaggedDot[]) => void
}

/** What a store tells the persistence that keeps it. */
export interface StorePersistence {
  /** Called synchronously after every local commit and remote integration that changed anything, before its events. */
  committed: (changes: CommittedChanges) => void
  /**
   * A local commit's 'ops' event is ready: call `emit` once that commit is durable (a seq other
   * replicas have seen must survive a crash), or never if it cannot be made so.
   */
  publish: (emit: () => void) => void
  /** A signed batch the store keeps from now on (its own once signed, others' once verified). */
  proved?: (writer: ReplicaState, proof: BatchProof) => void
}

/** Everything persistence gets of the store it is made for. */
export interface PersistenceAccess {
  readonly view: StoreView
  readonly restorer: StoreRestorer
}

/** Makes a store's persistence, given access to that store: the one way to persist a MemStore. */
export type PersistenceFactory = (access: PersistenceAccess) => StorePersistence
