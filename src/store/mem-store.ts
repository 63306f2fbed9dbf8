import { ChangeEvent, changedBytes } from './change-event.ts'
import { ChainTable } from './chain-table.ts'
import { CountedEventTarget } from './counted-event-target.ts'
import { OpsEvent } from './ops-event.ts'
import { ForeignDotEvent } from './foreign-dot-event.ts'
import { EquivocationEvent } from './writer-keys/equivocation-event.ts'
import type { DeathsRefusedEvent } from './writer-keys/deaths-refused-event.ts'
import { bytesCodec, type Codec } from './codecs.ts'
import { EMPTY_DIFF, type Diff, type DiffRequest } from './diff.ts'
import { buildWholeDiff, diffFrames, requestOf } from './diff-builder.ts'
import { DeathSuspects } from './death-suspects.ts'
import { HybridClock } from './hlc.ts'
import { NO_ROW, type Row } from './entry-rows.ts'
import { keepLayouts } from './layout-anchor.ts'
import { bytesToKeyString } from './key-string.ts'
import { LocalWrites, type Transaction } from './local-writes.ts'
import { integrateDiff, integrateOps, type IntegrationTarget } from './remote-integration.ts'
import { assertReplicaId } from './replica-id.ts'
import { MAX_REMOVAL_ONLY_WRITERS } from './limits.ts'
import { checkKey, checkValue } from './validate.ts'
import { WriterTable } from './writer-table.ts'
import { stateHashOf } from './state-hash.ts'
import { WriterKey } from './writer-keys/writer-key.ts'
import { WriterIntake } from './writer-keys/writer-intake.ts'
import { UnsignedIntake } from './writer-keys/unsigned-intake.ts'
import { verifyOpsAhead } from './writer-keys/ops-proofs.ts'
import { verifyDiffAhead } from './writer-keys/diff-proofs.ts'
import { verifyEvidenceAhead } from './writer-keys/death-evidence.ts'
import type { ReplicaState } from './replica-state.ts'
import type { WriteRecords } from './write-record.ts'
import type { DiffFrameOptions, ReplicaStore } from './replica-store.ts'
import type { StorePersistence, StoreRestorer, StoreView } from './store-persistence.ts'
import { refuseReplicaId, type MemStoreOptions } from './mem-store-options.ts'
import type { Dot, Op, ReplicaId, Sibling } from './types.ts'
import { unprovenDeaths } from './writer-keys/unproven-deaths.ts'

export type { MemStoreOptions } from './mem-store-options.ts'

/** The store's events, typed: `change` (every commit and integration that changed anything), `ops` (local commits, once signed), `foreign-dot`, `equivocation`, `deaths-refused`. */
export interface MemStore<K, V> {
  addEventListener(type: 'change', listener: ((event: ChangeEvent<K, V>) => void) | null, options?: AddEventListenerOptions | boolean): void
  addEventListener(type: 'ops', listener: ((event: OpsEvent) => void) | null, options?: AddEventListenerOptions | boolean): void
  addEventListener(type: 'foreign-dot', listener: ((event: ForeignDotEvent) => void) | null, options?: AddEventListenerOptions | boolean): void
  addEventListener(type: 'equivocation', listener: ((event: EquivocationEvent) => void) | null, options?: AddEventListenerOptions | boolean): void
  addEventListener(type: 'deaths-refused', listener: ((event: DeathsRefusedEvent) => void) | null, options?: AddEventListenerOptions | boolean): void
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void
  removeEventListener(type: 'change', listener: ((event: ChangeEvent<K, V>) => void) | null, options?: EventListenerOptions | boolean): void
  removeEventListener(type: 'ops', listener: ((event: OpsEvent) => void) | null, options?: EventListenerOptions | boolean): void
  removeEventListener(type: 'foreign-dot', listener: ((event: ForeignDotEvent) => void) | null, options?: EventListenerOptions | boolean): void
  removeEventListener(type: 'equivocation', listener: ((event: EquivocationEvent) => void) | null, options?: EventListenerOptions | boolean): void
  removeEventListener(type: 'deaths-refused', listener: ((event: DeathsRefusedEvent) => void) | null, options?: EventListenerOptions | boolean): void
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void
}

/**
 * An in-memory replica of a replicated key-value store: a state CRDT with no tombstones. What it
 * has seen of each writer is a set of seqs kept as roaring bitmaps; a dot seen but no longer
 * live is dead, which is all a delete or an overwrite needs to leave behind.
 *
 * Concurrent sets to one key resolve last-writer-wins (hybrid logical clock, then replica id);
 * a delete removes only what its replica had seen, so a concurrent set survives it (add-wins).
 *
 * @example
 * ```ts
 * const a = new MemStore<string, string>('alice', { keys: stringCodec, values: stringCodec })
 * const b = new MemStore<string, string>('bob', { keys: stringCodec, values: stringCodec })
 * b.integrateOp(a.insertWithOp('greeting', 'hello'))
 * a.integrateDiff(b.buildDiff(a.requestDiff()))
 * ```
 */
export class MemStore<K = Uint8Array, V = Uint8Array> extends CountedEventTarget implements ReplicaStore<K, V> {
  /** A human label for this replica; it does not identify it (see {@link replicaId}). */
  readonly name: string | undefined
  /** This replica's id: 16 bytes as hex, derived from its writer key (fresh for every new store). */
  readonly replicaId: ReplicaId
  /** The key this replica signs its writes with (with `writerKeys: false`, only its id comes from it). */
  readonly writer: WriterKey
  /** Whether writers are bound to keys (the default): false for a store made with `writerKeys: false`. */
  readonly writerKeys: boolean
  readonly #keys: Codec<K>
  readonly #values: Codec<V>
  readonly #clock: HybridClock
  readonly #chains = new ChainTable()
  readonly #writers: WriterTable
  /** Where deaths an answer withheld likely are, for the request after it. */
  readonly #suspects = new DeathSuspects()
  readonly #writes: LocalWrites
  readonly #target: IntegrationTarget
  readonly #persistence: StorePersistence | undefined

  constructor (name?: string, options: MemStoreOptions<K, V> = {}) {
    super()
    refuseReplicaId(options)
    this.name = name
    this.writer = options.writer ?? WriterKey.generateSync()
    this.replicaId = this.writer.replicaId
    assertReplicaId(this.replicaId)
    this.writerKeys = options.writerKeys !== false
    this.#keys = options.keys ?? bytesCodec as unknown as Codec<K>
    this.#values = options.values ?? bytesCodec as unknown as Codec<V>
    this.#clock = new HybridClock(options.clock)
    this.#writers = new WriterTable(this.#chains.rows, options.maxRemovalOnlyWriters ?? MAX_REMOVAL_ONLY_WRITERS)
    const local = this.#writers.writer(this.replicaId)
    const writes = this.#writes = new LocalWrites(this.#chains, this.#writers, local, this.#clock, this.writerKeys ? this.writer : undefined, {
      committed: (tx) => { this.#committedLocal(tx) },
      signed: (ops, proof) => {
        if (proof.count > 0 || (proof.removals?.length ?? 0) > 0) this.#persistence?.proved?.(local, proof)
        if (ops.length > 0 && this.listening('ops')) this.#emitOps(ops)
      },
      wantsOps: () => this.listening('ops')
    })
    const writers = this.#writers
    this.#target = {
      chains: this.#chains,
      writers,
      clock: this.#clock,
      suspects: this.#suspects,
      local,
      get nextSeq () { return writes.nextSeq },
      intake: this.writerKeys ? new WriterIntake((id) => writers.get(id), options.maxPendingRemovals) : new UnsignedIntake((id) => writers.forRemoval(id)),
      proved: (writer, proof) => { this.#persistence?.proved?.(writer, proof) }
    }
    this.#persistence = options.persistence?.({ view: this.#view(), restorer: this.#restorer() })
    keepLayouts(() => {
      // Left in a transaction, so that a transaction's and its records' layouts are kept too.
      // This store's key: a page's first store must not wait for a key of its own.
      const store = new MemStore(undefined, { writer: this.writer, writerKeys: this.writerKeys })
      store.begin()
      store.set(new Uint8Array(16), new Uint8Array(16))
      return store
    })
  }

  /** Number of keys with a value. */
  get size (): number {
    return this.#chains.size
  }

  /** Whether a transaction is open (remote integration waits until it ends). */
  get inTransaction (): boolean {
    return this.#writes.inTransaction
  }

  get (key: K): V | undefined {
    const head = this.#chains.chain(this.#encodeKey(key))
    const rows = this.#chains.rows
    return head === NO_ROW ? undefined : this.#values.decode(rows.value(rows.winner(head)))
  }

  has (key: K): boolean {
    return this.#chains.chain(this.#encodeKey(key)) !== NO_ROW
  }

  /** Every key with its value, in key byte order: two converged stores return equal arrays. */
  entries (): Array<[K, V]> {
    const rows = this.#chains.rows
    const sorted = [...this.#chains.heads()].map((head): [string, Row] => [bytesToKeyString(rows.key(head)), head])
    sorted.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
    // Keys are copies: the key's bytes in the arena are the store's.
    return sorted.map(([, head]) => [this.#keys.decode(rows.key(head).slice()), this.#values.decode(rows.value(rows.winner(head)))])
  }

  /** All live values at `key`, winner first: more than one after concurrent sets. */
  conflicts (key: K): Array<Sibling<V>> {
    const rows = this.#chains.rows
    const siblings: Row[] = []
    for (let row = this.#chains.chain(this.#encodeKey(key)); row !== NO_ROW; row = rows.next(row)) siblings.push(row)
    return siblings.sort((a, b) => rows.compare(b, a)).map((row) => ({
      value: this.#values.decode(rows.value(row)),
      dot: { replica: rows.writer(row).id, seq: rows.seq(row) },
      hlc: rows.hlc(row)
    }))
  }

  /** Sets `key` to `value`, replacing every value this replica sees there. */
  set (key: K, value: V): this {
    this.#writes.write(this.#encodeKey(key), this.#encodeValue(value))
    return this
  }

  /** Same as {@link set}. */
  insert (key: K, value: V): this {
    return this.set(key, value)
  }

  /** Deletes every value this replica sees at `key`. Returns whether there was one. */
  delete (key: K): boolean {
    return this.#writes.write(this.#encodeKey(key), undefined)
  }

  /** {@link set} and return the op to send to other replicas. */
  insertWithOp (key: K, value: V): Op {
    this.#writes.requireNone('insertWithOp')
    this.begin()
    this.set(key, value)
    return this.commitWithOps()[0]
  }

  /** {@link delete} and return the op to send (an op that removes nothing if the key was absent). */
  deleteWithOp (key: K): Op {
    this.#writes.requireNone('deleteWithOp')
    const keyBytes = this.#encodeKey(key)
    this.begin()
    this.delete(key)
    return this.commitWithOps()[0] ?? { kind: 'delete', key: keyBytes, removes: [] }
  }

  /** Opens a transaction: writes apply at once, and commit as one change with contiguous dots. */
  begin (): void {
    this.#writes.begin()
  }

  commit (): void {
    this.#writes.commit(this.#writes.take('commit'), false)
  }

  /**
   * Commits and returns the transaction's ops, in write order, to send as one message: signed
   * where the platform signs synchronously (Node); else they go out signed by the 'ops' event.
   */
  commitWithOps (): Op[] {
    return this.#writes.commit(this.#writes.take('commitWithOps'), true) ?? []
  }

  /** Undoes every write of the open transaction. */
  rollback (): void {
    this.#writes.rollback(this.#writes.take('rollback'))
  }

  /** Runs `fn` in a transaction: commits if it returns, rolls back and rethrows if it throws. */
  transact<T> (fn: (store: this) => T): T {
    this.begin()
    let result: T
    try {
      result = fn(this)
    } catch (err) {
      this.rollback()
      throw err
    }
    this.commit()
    return result
  }

  integrateOp (op: Op): void {
    this.integrateOps([op])
  }

  /**
   * Applies remote ops, in any order, any number of times: ops commute and are idempotent.
   * Everything is checked first; a bad batch throws and changes nothing. A batch naming a dot of
   * this replica's own id that it never issued throws {@link ForeignDotError}.
   */
  integrateOps (ops: readonly Op[]): void {
    this.#writes.requireNone('integrateOps')
    const { records, equivocations } = integrateOps(this.#target, ops)
    this.#committed(records)
    this.#emit('remote', records)
    for (const event of equivocations) this.dispatchEvent(event)
  }

  /**
   * A request for what this replica lacks. With `summary: true` it holds only the 12-byte state
   * hash (unless this replica has seen nothing, when the full request is as small); with
   * `hash: false` a full request leaves the hash out (after a summary already compared it). With
   * `narrowDeaths: true` the caller promises to ask again with a full request when the answer
   * says `deathsWithheld`; that request names the suspects the answer's entries made.
   */
  requestDiff (options: { summary?: boolean, hash?: boolean, narrowDeaths?: boolean } = {}): DiffRequest {
    return requestOf(this.#writers.values(), () => this.stateHash(), this.#suspects, options)
  }

  /** What the requester lacks, in one message. Reads committed state only. */
  buildDiff (request: DiffRequest): Diff {
    // Local commits not signed yet are signed now rather than left out.
    this.#writes.signAll()
    return buildWholeDiff(this.#chains.rows, this.#writers.values(), request, this.stateHash(), this.writerKeys)
  }

  /**
   * The same diff as {@link buildDiff}, as bounded frames: entries first, then deaths. Integrating
   * any prefix of the frames leaves a correct store.
   */
  buildDiffFrames (request: DiffRequest, options: DiffFrameOptions = {}): Generator<Diff> {
    this.#writes.signAll()
    return diffFrames(this.#chains.rows, this.#writers.values(), request, this.stateHash(), options.maxFrameBytes ?? 65536, this.writerKeys)
  }

  /**
   * Applies a diff (or one frame of it): entries first, then deaths. A bad diff throws and changes
   * nothing. Entries and deaths of this replica's own id that it never issued are left out, and a
   * {@link ForeignDotEvent} ('foreign-dot') reports them after the rest is integrated. Deaths of
   * another writer beyond the highest seq its key attested are left out too, and a
   * {@link DeathsRefusedEvent} ('deaths-refused') reports each writer's.
   */
  integrateDiff (diff: Diff): void {
    this.#writes.requireNone('integrateDiff')
    if (diff === EMPTY_DIFF) return
    const { records, foreign, equivocations, deathsRefused } = integrateDiff(this.#target, diff, (refused) => { this.dispatchEvent(new ForeignDotEvent(refused)) })
    this.#committed(records)
    if (foreign != null) this.dispatchEvent(new ForeignDotEvent(foreign))
    this.#emit('remote', records)
    for (const event of equivocations) this.dispatchEvent(event)
    for (const event of deathsRefused) this.dispatchEvent(event)
  }

  /** Whether this replica has integrated `dot`, alive or dead. A seq missing below one it has seen is a gap: something was lost. */
  hasSeen (dot: Dot): boolean {
    return this.#writers.get(dot.replica)?.seen.has(dot.seq) ?? false
  }

  /**
   * 12 bytes that change whenever what this replica has seen or holds live changes (see
   * {@link stateHashOf}).
   */
  stateHash (): Uint8Array {
    return stateHashOf(this.#writers.values())
  }

  /** Resolves once every local commit so far has been signed and its 'ops' event fired. */
  async signed (): Promise<void> {
    await this.#writes.signed()
  }

  /**
   * Verifies the signatures of `ops` ahead of {@link integrateOps}: needed where the platform
   * verifies only asynchronously (browsers' WebCrypto), harmless elsewhere. Resolves to whether
   * every op is in a batch signed by its writer's key (else integrating them would throw).
   */
  async verifyOps (ops: readonly Op[]): Promise<boolean> {
    // Without writer keys nothing is verified, and signed ops are not taken at all.
    if (!this.writerKeys) return ops.every((op) => op.batch == null)
    return await verifyOpsAhead(ops)
  }

  /**
   * Verifies the signatures of a diff ahead of {@link integrateDiff} (see {@link verifyOps}). On
   * Node.js the signatures of a big diff are verified in worker threads while this thread hashes
   * its entries, and {@link integrateDiff} of the same decoded diff, unchanged, reuses those hashes.
   * A bad signature is not reported here: integrating the diff refuses it whole. `signal` aborts.
   */
  async verifyDiff (diff: Diff, options?: { signal?: AbortSignal }): Promise<void> {
    if (!this.writerKeys) return
    await verifyDiffAhead(diff, options?.signal)
    await verifyEvidenceAhead(diff)
  }

  /**
   * Whether a diff integrated since the last full request called entries this store holds live
   * dead without evidence: they stayed, and the next full request names them as suspects, whose
   * answer must prove their deaths (a pull asks once more when this is true).
   */
  deathsInDoubt (): boolean {
    return this.#suspects.doubted
  }

  #restorer (): StoreRestorer {
    return {
      restoreSeen: (replicaId, seen) => {
        const replica = this.#writers.writer(replicaId)
        replica.markSeenDead(seen)
        return replica
      },
      restoreEntry: (key, value, replicaId, seq, hlc) => {
        const replica = this.#writers.get(replicaId)
        if (replica == null || !replica.seen.has(seq) || replica.dots.has(seq)) return false
        replica.addLive(seq, this.#chains.restore(key, value, replica, seq, hlc))
        return true
      },
      restoreNextSeq: (seq) => { this.#writes.nextSeq = seq },
      restoreClock: (time) => { this.#clock.restore(time) },
      restoreProof: (replicaId, card, proof) => {
        const replica = this.#writers.writer(replicaId)
        replica.proofs.card ??= card
        replica.proofs.add(proof)
        // Its removals are the evidence of the deaths they caused (a removal whose tag names another version proves nothing).
        const cause = { remover: replicaId, batch: proof }
        for (const dot of proof.removals ?? []) this.#writers.writer(dot.replica).proofs.noteRemoval(dot.seq, cause)
      },
      unprovenDeaths: () => this.writerKeys ? unprovenDeaths(this.#writers.values()) : [],
      resign: (removals) => { this.#writes.resign(removals) }
    }
  }

  #view (): StoreView {
    const chains = this.#chains
    const writes = this.#writes
    const clock = this.#clock
    const writers = this.#writers
    return {
      chainAt: (key) => chains.chainEntries(key),
      get nextSeq () { return writes.nextSeq },
      get clockTime () { return clock.peek() },
      get size () { return chains.size },
      replica: (id) => writers.get(id),
      opsSent: async () => { await writes.opsSent() }
    }
  }

  #encodeKey (key: K): Uint8Array {
    const bytes = this.#keys.encode(key)
    checkKey(bytes)
    return bytes
  }

  #encodeValue (value: V): Uint8Array {
    const bytes = this.#values.encode(value)
    checkValue(bytes)
    return bytes
  }

  /** A local transaction's bitmaps are in line: persist it, then tell listeners (its ops go out once signed). */
  #committedLocal (tx: Transaction): void {
    this.#committed(tx.writes)
    this.#emit('local', tx.writes)
  }

  /** Hands what a commit or an integration changed to the persistence, then forgets it. */
  #committed (records: WriteRecords): void {
    const persistence = this.#persistence
    // Only the persistence reads which writers changed: without one the set is left as it is (at
    // most every writer), since clearing it makes a new table, 120 bytes on every commit.
    if (persistence == null) return
    const writers: Set<ReplicaState> = this.#writers.seenChanged
    if (records.length > 0 || writers.size > 0) persistence.committed({ records, writers })
    writers.clear()
  }

  /** Fires a local commit's 'ops' event, once the persistence says it is durable. */
  #emitOps (ops: readonly Op[]): void {
    if (this.#persistence == null) this.dispatchEvent(new OpsEvent(ops))
    else this.#persistence.publish(() => { this.dispatchEvent(new OpsEvent(ops)) })
  }

  /**
   * Fires 'change', with the changes read before the dead rows are freed and before a
   * compaction moves the live ones.
   */
  #emit (origin: 'local' | 'remote', records: WriteRecords): void {
    const changes = records.length > 0 && this.listening('change') ? changedBytes(records, this.#chains.rows) : undefined
    this.#chains.settle()
    if (changes != null) this.dispatchEvent(new ChangeEvent(origin, changes, this.#keys, this.#values))
  }
}
