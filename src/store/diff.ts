import type { ClockSet } from './clock-set.ts'
import type { Hlc, ReplicaId, WriterCard } from './types.ts'
import type { TaggedDot } from './writer-keys/batch-digest.ts'

/** What a replica has seen of one writer: every seq, and a digest of those still live. */
export interface ReplicaSummary {
  readonly replica: ReplicaId
  readonly seen: ClockSet
  /** 8-byte digest of the writer's live seqs (see `SetDigest`). */
  readonly liveDigest: Uint8Array
  /**
   * 8-byte digest of what the writer's live entries are (their leaves, see
   * `ReplicaState.contentDigest`). Where the live digests agree and this does not, the two stores
   * hold different signed versions of some dot: the responder sends its proofs of the live seqs,
   * which show the requester the equivocation. Left out, no such check is made.
   */
  readonly contentDigest?: Uint8Array
  /**
   * Seqs of this writer that the requester holds live and suspects the responder knows dead:
   * the entries a diff just put a newer sibling beside. A responder names those of them it knows
   * dead instead of its whole dead set, when its live digest then agrees (see {@link DiffRequest.narrowDeaths}).
   */
  readonly suspects?: ClockSet
}

/**
 * Asks another replica for what this one lacks. `stateHash` (12 bytes) covers everything this
 * replica has seen and holds live; a responder with the same hash answers with nothing. Without
 * `replicas` the request is a summary only: the responder answers `needsFullRequest` when the
 * hashes differ. A full request that follows such an answer leaves the hash out.
 */
export interface DiffRequest {
  readonly stateHash?: Uint8Array
  readonly replicas?: readonly ReplicaSummary[]
  /**
   * A page of a request too large for one message: it speaks only of the writers whose ids lie
   * in `[from, to)` (either bound may be left open), and the answer holds only those writers.
   */
  readonly range?: ReplicaRange
  /**
   * The requester will ask again: where the live digests disagree over what both have seen, the
   * responder may withhold the deaths the requester has seen (its whole dead set, mostly) and say
   * so ({@link Diff.deathsWithheld}); the next full request names its suspects, and gets only
   * the deaths among them, or every death if they do not account for the difference.
   */
  readonly narrowDeaths?: boolean
  /**
   * Evidence in full: the requester could not check some evidence it got (a tag it was to take
   * from its own leaf names another signed version), or holds entries a diff called dead without
   * evidence (its suspects). Every removal's tag is written out, and the suspects' deaths come
   * with the writer's proof of the entry removed, so that a requester holding another version
   * sees the equivocation.
   */
  readonly fullEvidence?: boolean
}

/** Writers whose id is at least `from` and below `to` (ids compare as their hex strings do). */
export interface ReplicaRange {
  readonly from?: ReplicaId
  readonly to?: ReplicaId
}

/** One live entry the requester has not seen. */
export interface DiffEntry {
  readonly key: Uint8Array
  readonly value: Uint8Array
  readonly seq: number
  readonly hlc: Hlc
  /** Where the entry's bytes are, when a store built it from its arena: an encoder copies them from there. */
  readonly source?: EntrySource
}

/**
 * An entry as the store keeps it: key and value side by side in one arena chunk, and its clock
 * as numbers. An encoder that finds one copies key and value in one go and allocates no clock.
 */
export interface EntrySource {
  readonly chunk: Uint8Array
  /** Where the key starts in `chunk`; the value follows it. */
  readonly offset: number
  readonly keyLength: number
  readonly valueLength: number
  readonly wall: number
  readonly counter: number
}

/**
 * A group's entries as a decoder read them, still inside the message, so that the store can
 * integrate them without an object per entry. A cursor: `next()` loads the next entry's fields
 * and returns false after the last; `rewind()` starts over. The decoder has checked every entry.
 */
export interface PackedEntries {
  readonly count: number
  rewind (): void
  next (): boolean
  /**
   * The message, key and value side by side in it: the decoder's own copy, which nothing else
   * writes to, so the store keeps its entries there rather than copying each.
   */
  readonly bytes: Uint8Array
  readonly keyStart: number
  readonly keyLength: number
  readonly valueStart: number
  readonly valueLength: number
  readonly seq: number
  /** A new object whenever the clock changes (never mutated), shared by the entries in between. */
  readonly hlc: Hlc
}

/**
 * A signed batch as a store keeps it and a diff carries it: `leaves` holds the 16-byte leaf of
 * each of its `count` seqs. In a decoded diff the leaves of the group's own entries are zero
 * (the receiving store computes them from the entries).
 */
export interface BatchProof {
  readonly first: number
  readonly count: number
  readonly salt: Uint8Array
  readonly removalsDigest: Uint8Array
  readonly leaves: Uint8Array
  readonly signature: Uint8Array
  /**
   * The removals the batch signed, in order, where the store that holds the proof knows them (a
   * batch this replica signed, or one that came with its ops): the evidence of the deaths they
   * caused. A proof read from a diff or a record does not carry them (yet).
   */
  readonly removals?: readonly TaggedDot[]
}

/** What one writer's dots bring: live entries (ascending seq), then seqs known dead. */
export interface DiffGroup {
  readonly replica: ReplicaId
  /** The writer's card, whose hash is `replica`. */
  readonly card?: WriterCard
  /** Proofs covering every entry, and the writer's latest batch (ascending, not overlapping). */
  readonly proofs?: readonly BatchProof[]
  readonly entries: readonly DiffEntry[]
  readonly deaths?: ClockSet
  /**
   * Proofs of this writer sent whole, apart from `proofs` (they may overlap them and each other):
   * both sides of each equivocation the responder knows among the deaths it sends, so that the
   * requester sees the proof whichever version it held.
   */
  readonly equivocationProofs?: readonly BatchProof[]
  /** The same entries still encoded, when a decoder made this group. */
  readonly packed?: PackedEntries
}

/** A removal as evidence carries it: without `tag`, the tag is the first bytes of the leaf the requester holds of the dot. */
export interface EvidenceRemoval {
  readonly replica: ReplicaId
  readonly seq: number
  readonly tag?: Uint8Array
}

/**
 * A member's signed batch of removals, sent as the evidence of the deaths it caused (see
 * {@link Diff.evidence}): its removals, in the order signed, and the batch itself unless the
 * requester holds it already (a proof of the remover in this diff, or kept before).
 */
export interface RemovalEvidence {
  readonly remover: ReplicaId
  readonly first: number
  readonly count: number
  readonly removals: readonly EvidenceRemoval[]
  /** The batch, whole: the remover's card, its salt, signature and every leaf. */
  readonly whole?: { readonly card: WriterCard, readonly salt: Uint8Array, readonly signature: Uint8Array, readonly leaves: Uint8Array }
}

/** The answer to a {@link DiffRequest}: integrate entries first, then deaths. */
export interface Diff {
  readonly needsFullRequest: boolean
  readonly groups: readonly DiffGroup[]
  /**
   * Deaths were withheld (only ever in answer to {@link DiffRequest.narrowDeaths}): after
   * integrating, ask again with a full request, which names the suspects.
   */
  readonly deathsWithheld?: boolean
  /**
   * The removals that caused the frame's deaths the requester has not seen, or suspected: a death
   * is taken only with its evidence (a removal here or kept, whose tag matches the dead entry's
   * leaf; the writer's zero leaf; or an equivocation pair).
   */
  readonly evidence?: readonly RemovalEvidence[]
  /**
   * Built by a store with `writerKeys: false`: its groups carry no cards or proofs. Only such a
   * store takes it; one whose writers are bound to keys refuses it (`InvalidSignatureError`).
   */
  readonly unsigned?: boolean
}

/** A diff that asks nothing and brings nothing: the replicas agree. */
export const EMPTY_DIFF: Diff = Object.freeze({ needsFullRequest: false, groups: Object.freeze([]) })
