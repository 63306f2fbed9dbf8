import { ChainTable } from './chain-table.ts'
import { CommitNotifier } from './commit-notifier.ts'
import { bytesCodec, type Codec } from './codecs.ts'
import type { Diff, DiffRequest } from './diff.ts'
import { HybridClock } from './hlc.ts'
import { NO_ROW } from './entry-rows.ts'
import { entriesInKeyOrder, siblingsAt } from './entry-listing.ts'
import { keepLayouts } from './layout-anchor.ts'
import { LocalWrites } from './local-writes.ts'
import { persistenceAccess } from './persistence-access.ts'
import { ReplicaExchange } from './replica-exchange.ts'
import { assertReplicaId } from './replica-id.ts'
import { StoreEventTarget } from './store-event-target.ts'
import { MAX_REMOVAL_ONLY_WRITERS } from './limits.ts'
import { checkKey, checkValue } from './validate.ts'
import { WriterTable } from './writer-table.ts'
import { stateHashOf } from './state-hash.ts'
import { WriterKey } from './writer-keys/writer-key.ts'
import type { DiffFrameOptions, ReplicaStore } from './replica-store.ts'
import type { ForeignDotEvent } from './foreign-dot-event.ts'
import type { DeathsRefusedEvent } from './writer-keys/deaths-refused-event.ts'
import { refuseReplicaId, type MemStoreOptions } from './mem-store-options.ts'
import type { Dot, Op, ReplicaId, Sibling } from './types.ts'

export type { MemStoreOptions } from './mem-store-options.ts'

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
export class MemStore<K = Uint8Array, V = Uint8Array> extends StoreEventTarget<K, V> implements ReplicaStore<K, V> {
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
  readonly #chains = new ChainTable()
  readonly #writers: WriterTable
  readonly #writes: LocalWrites
  readonly #exchange: ReplicaExchange

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
    const clock = new HybridClock(options.clock)
    const chains = this.#chains
    const writers = this.#writers = new WriterTable(chains.rows, options.maxRemovalOnlyWriters ?? MAX_REMOVAL_ONLY_WRITERS)
    const local = writers.writer(this.replicaId)
    const events = this.eventSink()
    const notifier = new CommitNotifier<K, V>(events, chains, writers, this.#keys, this.#values)
    const writes = this.#writes = new LocalWrites(chains, writers, local, clock, this.writerKeys ? this.writer : undefined, {
      committed: (tx) => { notifier.local(tx) },
      signed: (ops, proof) => { notifier.signed(local, ops, proof) },
      wantsOps: () => this.listening('ops')
    })
    this.#exchange = new ReplicaExchange({ chains, writers, clock, local, writes, writerKeys: this.writerKeys, maxPendingRemovals: options.maxPendingRemovals, notifier, events })
    notifier.persistence = options.persistence?.(persistenceAccess({ chains, writers, writes, clock, writerKeys: this.writerKeys }))
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
    return entriesInKeyOrder(this.#chains, this.#keys, this.#values)
  }

  /** All live values at `key`, winner first: more than one after concurrent sets. */
  conflicts (key: K): Array<Sibling<V>> {
    return siblingsAt(this.#chains, this.#encodeKey(key), this.#values)
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
    this.#exchange.integrateOps(ops)
  }

  /**
   * A request for what this replica lacks. With `summary: true` it holds only the 12-byte state
   * hash (unless this replica has seen nothing, when the full request is as small); with
   * `hash: false` a full request leaves the hash out (after a summary already compared it). With
   * `narrowDeaths: true` the caller promises to ask again with a full request when the answer
   * says `deathsWithheld`; that request names the suspects the answer's entries made.
   */
  requestDiff (options: { summary?: boolean, hash?: boolean, narrowDeaths?: boolean } = {}): DiffRequest {
    return this.#exchange.request(options, () => this.stateHash())
  }

  /** What the requester lacks, in one message. Reads committed state only. */
  buildDiff (request: DiffRequest): Diff {
    return this.#exchange.build(request)
  }

  /**
   * The same diff as {@link buildDiff}, as bounded frames: entries first, then deaths. Integrating
   * any prefix of the frames leaves a correct store.
   */
  buildDiffFrames (request: DiffRequest, options: DiffFrameOptions = {}): Generator<Diff> {
    return this.#exchange.frames(request, options.maxFrameBytes ?? 65536)
  }

  /**
   * Applies a diff (or one frame of it): entries first, then deaths. A bad diff throws and changes
   * nothing. Entries and deaths of this replica's own id that it never issued are left out, and a
   * {@link ForeignDotEvent} ('foreign-dot') reports them after the rest is integrated. Deaths of
   * another writer beyond the highest seq its key attested are left out too, and a
   * {@link DeathsRefusedEvent} ('deaths-refused') reports each writer's.
   */
  integrateDiff (diff: Diff): void {
    this.#exchange.integrateDiff(diff)
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
    return await this.#exchange.verifyOps(ops)
  }

  /**
   * Verifies the signatures of a diff ahead of {@link integrateDiff} (see {@link verifyOps}). On
   * Node.js the signatures of a big diff are verified in worker threads while this thread hashes
   * its entries, and {@link integrateDiff} of the same decoded diff, unchanged, reuses those hashes.
   * A bad signature is not reported here: integrating the diff refuses it whole. `signal` aborts.
   */
  async verifyDiff (diff: Diff, options?: { signal?: AbortSignal }): Promise<void> {
    await this.#exchange.verifyDiff(diff, options?.signal)
  }

  /**
   * Whether a diff integrated since the last full request called entries this store holds live
   * dead without evidence: they stayed, and the next full request names them as suspects, whose
   * answer must prove their deaths (a pull asks once more when this is true).
   */
  deathsInDoubt (): boolean {
    return this.#exchange.deathsInDoubt
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
}
