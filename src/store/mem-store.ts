import { ChangeEvent, changedBytes } from './change-event.ts'
import { CountedEventTarget } from './counted-event-target.ts'
import { OpsEvent } from './ops-event.ts'
import { ForeignDotEvent } from './foreign-dot-event.ts'
import { bytesCodec, type Codec } from './codecs.ts'
import { EMPTY_DIFF, type Diff, type DiffGroup, type DiffRequest, type PackedEntries } from './diff.ts'
import { buildWholeDiff, diffFrames } from './diff-builder.ts'
import { DeathSuspects } from './death-suspects.ts'
import { SeqLimitError, TransactionError } from './errors.ts'
import { foreignDotInDiff, foreignDotInOps } from './own-dots.ts'
import { HybridClock, type HybridClockOptions } from './hlc.ts'
import { EntryRows, NO_ROW, type ChainEntry, type Row } from './entry-rows.ts'
import { hashKey } from './key-hash.ts'
import { KeyIndex } from './key-index.ts'
import { keepLayouts } from './layout-anchor.ts'
import { bytesToKeyString } from './key-string.ts'
import { assertReplicaId, newReplicaId } from './replica-id.ts'
import { ReplicaState } from './replica-state.ts'
import { MAX_REMOVAL_ONLY_WRITERS, MAX_SEQ } from './limits.ts'
import { checkDiff, checkKey, checkOps, checkValue } from './validate.ts'
import { WriteRecords } from './write-record.ts'
import { stateHashOf } from './state-hash.ts'
import type { DiffFrameOptions, ReplicaStore } from './replica-store.ts'
import type { PersistenceFactory, StorePersistence, StoreRestorer, StoreView } from './store-persistence.ts'
import type { Dot, Hlc, Op, ReplicaId, Sibling } from './types.ts'

export interface MemStoreOptions<K, V> {
  /** How keys become bytes. @default bytes as they are */
  keys?: Codec<K>
  /** How values become bytes. @default bytes as they are */
  values?: Codec<V>
  /** The hybrid logical clock's wall clock and drift bound. */
  clock?: HybridClockOptions
  /** This replica's id. Only a persistent store that reopens itself should pass one. @default a fresh random id */
  replicaId?: ReplicaId
  /**
   * How many writers this store keeps that it knows only from removals (it never held one of
   * their entries). Beyond it, removals of further unknown writers are dropped: anti-entropy
   * repairs what that leaves out, once one of their entries arrives. Each costs about 3 KB
   * (measured: 1.3 KB of heap, the rest in bitmaps).
   * @default 4096
   */
  maxRemovalOnlyWriters?: number
  /**
   * What keeps this store (how `LevelStore` persists its core): called once with the store's view
   * and restorer, it returns what the store tells of every commit. @default nothing: in memory only
   */
  persistence?: PersistenceFactory
}

interface Transaction {
  readonly hlc: Hlc
  readonly firstSeq: number
  readonly writes: WriteRecords
}

/** The removes of a set on a fresh key, the most common op: one frozen array for all of them. */
const NO_DOTS: readonly Dot[] = Object.freeze([])

/** A dot of every entry in a chain. */
function dotsOf (rows: EntryRows, head: Row): readonly Dot[] {
  if (head === NO_ROW) return NO_DOTS
  const dots: Dot[] = []
  for (let row = head; row !== NO_ROW; row = rows.next(row)) dots.push({ replica: rows.writer(row).id, seq: rows.seq(row) })
  return dots
}

/** The store's events, typed: `change` (every commit and integration that changed anything), `ops` (local commits), `foreign-dot`. */
export interface MemStore<K, V> {
  addEventListener(type: 'change', listener: ((event: ChangeEvent<K, V>) => void) | null, options?: AddEventListenerOptions | boolean): void
  addEventListener(type: 'ops', listener: ((event: OpsEvent) => void) | null, options?: AddEventListenerOptions | boolean): void
  addEventListener(type: 'foreign-dot', listener: ((event: ForeignDotEvent) => void) | null, options?: AddEventListenerOptions | boolean): void
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void
  removeEventListener(type: 'change', listener: ((event: ChangeEvent<K, V>) => void) | null, options?: EventListenerOptions | boolean): void
  removeEventListener(type: 'ops', listener: ((event: OpsEvent) => void) | null, options?: EventListenerOptions | boolean): void
  removeEventListener(type: 'foreign-dot', listener: ((event: ForeignDotEvent) => void) | null, options?: EventListenerOptions | boolean): void
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
  /** This replica's id: 16 random bytes as hex, made fresh for every new store. */
  readonly replicaId: ReplicaId
  readonly #keys: Codec<K>
  readonly #values: Codec<V>
  readonly #clock: HybridClock
  readonly #rows = new EntryRows()
  readonly #entries = new KeyIndex(this.#rows)
  readonly #arena = this.#rows.arena
  /** Rows of entries that died in the commit or integration under way, freed once it is done with them. */
  #dead: Row[] = []
  readonly #replicas = new Map<ReplicaId, ReplicaState>()
  /** Where deaths an answer withheld likely are, for the request after it. */
  readonly #suspects = new DeathSuspects()
  readonly #local: ReplicaState
  #nextSeq = 1
  #tx: Transaction | undefined
  /** Writers whose seen set the commit or integration under way has changed (for {@link committed}). */
  readonly #seenChanged = new Set<ReplicaState>()
  /** Writers known only from removals, bounded by `maxRemovalOnlyWriters`. */
  readonly #removalOnly = new Set<ReplicaState>()
  readonly #maxRemovalOnly: number
  readonly #persistence: StorePersistence | undefined

  constructor (name?: string, options: MemStoreOptions<K, V> = {}) {
    super()
    this.name = name
    if (options.replicaId != null) assertReplicaId(options.replicaId)
    this.replicaId = options.replicaId ?? newReplicaId()
    this.#keys = options.keys ?? bytesCodec as unknown as Codec<K>
    this.#values = options.values ?? bytesCodec as unknown as Codec<V>
    this.#clock = new HybridClock(options.clock)
    this.#maxRemovalOnly = options.maxRemovalOnlyWriters ?? MAX_REMOVAL_ONLY_WRITERS
    this.#local = this.#replica(this.replicaId)
    this.#persistence = options.persistence?.({ view: this.#view(), restorer: this.#restorer() })
    keepLayouts(() => {
      // Left in a transaction, so that a transaction's and its records' layouts are kept too.
      const store = new MemStore()
      store.begin()
      store.set(new Uint8Array(16), new Uint8Array(16))
      return store
    })
  }

  /** Number of keys with a value. */
  get size (): number {
    return this.#entries.size
  }

  /** Whether a transaction is open (remote integration waits until it ends). */
  get inTransaction (): boolean {
    return this.#tx != null
  }

  get (key: K): V | undefined {
    const head = this.#chain(this.#encodeKey(key))
    return head === NO_ROW ? undefined : this.#values.decode(this.#rows.value(this.#rows.winner(head)))
  }

  has (key: K): boolean {
    return this.#chain(this.#encodeKey(key)) !== NO_ROW
  }

  /** Every key with its value, in key byte order: two converged stores return equal arrays. */
  entries (): Array<[K, V]> {
    const rows = this.#rows
    const sorted = [...this.#entries.heads()].map((head): [string, Row] => [bytesToKeyString(rows.key(head)), head])
    sorted.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
    // Keys are copies: the key's bytes in the arena are the store's.
    return sorted.map(([, head]) => [this.#keys.decode(rows.key(head).slice()), this.#values.decode(rows.value(rows.winner(head)))])
  }

  /** All live values at `key`, winner first: more than one after concurrent sets. */
  conflicts (key: K): Array<Sibling<V>> {
    const rows = this.#rows
    const siblings: Row[] = []
    for (let row = this.#chain(this.#encodeKey(key)); row !== NO_ROW; row = rows.next(row)) siblings.push(row)
    return siblings.sort((a, b) => rows.compare(b, a)).map((row) => ({
      value: this.#values.decode(rows.value(row)),
      dot: { replica: rows.writer(row).id, seq: rows.seq(row) },
      hlc: rows.hlc(row)
    }))
  }

  /** Sets `key` to `value`, replacing every value this replica sees there. */
  set (key: K, value: V): this {
    this.#write(this.#encodeKey(key), this.#encodeValue(value))
    return this
  }

  /** Same as {@link set}. */
  insert (key: K, value: V): this {
    return this.set(key, value)
  }

  /** Deletes every value this replica sees at `key`. Returns whether there was one. */
  delete (key: K): boolean {
    return this.#write(this.#encodeKey(key), undefined)
  }

  /** {@link set} and return the op to send to other replicas. */
  insertWithOp (key: K, value: V): Op {
    this.#requireNoTransaction('insertWithOp')
    this.begin()
    this.set(key, value)
    return this.commitWithOps()[0]
  }

  /** {@link delete} and return the op to send (an op that removes nothing if the key was absent). */
  deleteWithOp (key: K): Op {
    this.#requireNoTransaction('deleteWithOp')
    const keyBytes = this.#encodeKey(key)
    this.begin()
    this.delete(key)
    return this.commitWithOps()[0] ?? { kind: 'delete', key: keyBytes, removes: [] }
  }

  /** Opens a transaction: writes apply at once, and commit as one change with contiguous dots. */
  begin (): void {
    if (this.#tx != null) throw new TransactionError('a transaction is already open')
    this.#tx = { hlc: this.#clock.next(), firstSeq: this.#nextSeq, writes: new WriteRecords(this.#rows) }
  }

  commit (): void {
    this.#commit(this.#takeTransaction('commit'), undefined)
  }

  /** Commits and returns the transaction's ops, in write order, to send as one message. */
  commitWithOps (): Op[] {
    const tx = this.#takeTransaction('commitWithOps')
    const ops = this.#opsOf(tx)
    this.#commit(tx, ops)
    return ops
  }

  /** Undoes every write of the open transaction. */
  rollback (): void {
    const tx = this.#takeTransaction('rollback')
    const writes = tx.writes
    for (let i = writes.length - 1; i >= 0; i--) {
      const before = writes.before(i)
      const after = writes.after(i)
      if (before !== NO_ROW) this.#entries.set(before)
      else if (after !== NO_ROW) this.#entries.delete(after)
      if (after !== NO_ROW) {
        this.#arena.release(this.#rows.byteLength(after))
        this.#rows.free(after)
      }
    }
    // Nobody saw these seqs: no op left and nothing was stored, so they can be handed out again.
    this.#nextSeq = tx.firstSeq
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
    this.#requireNoTransaction('integrateOps')
    checkOps(ops)
    const foreign = foreignDotInOps(ops, this.replicaId, this.#nextSeq)
    if (foreign != null) throw foreign
    const records = new WriteRecords(this.#rows)
    for (const op of ops) {
      for (const dot of op.removes) {
        const replica = this.#replicaForRemoval(dot.replica)
        if (replica != null) this.#kill(replica, dot.seq, records)
      }
      if (op.kind === 'set') this.#integrateEntry(op.key, op.value, op.dot.replica, op.dot.seq, op.hlc, records)
    }
    this.#committed(records)
    this.#emit('remote', records)
  }

  /**
   * A request for what this replica lacks. With `summary: true` it holds only the 12-byte state
   * hash (unless this replica has seen nothing, when the full request is as small); with
   * `hash: false` a full request leaves the hash out (after a summary already compared it). With
   * `narrowDeaths: true` the caller promises to ask again with a full request when the answer
   * says `deathsWithheld`; that request names the suspects the answer's entries made.
   */
  requestDiff (options: { summary?: boolean, hash?: boolean, narrowDeaths?: boolean } = {}): DiffRequest {
    const stateHash = options.hash === false ? undefined : this.stateHash()
    const narrow = options.narrowDeaths === true
    const replicas = []
    for (const replica of this.#replicas.values()) {
      if (replica.seen.isEmpty) continue
      // Having seen nothing, the full request is as small as a summary and saves a round trip.
      if (options.summary === true) return { stateHash: stateHash ?? this.stateHash() }
      const suspects = narrow ? undefined : this.#suspects.take(replica)
      replicas.push({ replica: replica.id, seen: replica.seen.clone(), liveDigest: replica.liveDigest.toBytes(), ...(suspects != null ? { suspects } : {}) })
    }
    // Named once at most; the answer to this request gathers them afresh.
    this.#suspects.clear()
    return narrow ? { stateHash, replicas, narrowDeaths: true } : { stateHash, replicas }
  }

  /** What the requester lacks, in one message. Reads committed state only. */
  buildDiff (request: DiffRequest): Diff {
    return buildWholeDiff(this.#rows, this.#replicas.values(), request, this.stateHash())
  }

  /**
   * The same diff as {@link buildDiff}, as bounded frames: entries first, then deaths. Integrating
   * any prefix of the frames leaves a correct store.
   */
  buildDiffFrames (request: DiffRequest, options: DiffFrameOptions = {}): Generator<Diff> {
    return diffFrames(this.#rows, this.#replicas.values(), request, this.stateHash(), options.maxFrameBytes ?? 65536)
  }

  /**
   * Applies a diff (or one frame of it): entries first, then deaths. A bad diff throws and changes
   * nothing. Entries and deaths of this replica's own id that it never issued are left out, and a
   * {@link ForeignDotEvent} ('foreign-dot') reports them after the rest is integrated.
   */
  integrateDiff (diff: Diff): void {
    this.#requireNoTransaction('integrateDiff')
    if (diff === EMPTY_DIFF) return
    // Packed entries are trusted only as a decoder left them; anything else is checked as objects.
    const decoded = checkDiff(diff)
    const foreign = foreignDotInDiff(diff, this.replicaId, this.#nextSeq)
    const records = new WriteRecords(this.#rows)
    // Every group of a decoded diff reads the decoder's one copy of the message: it becomes an
    // arena chunk once an entry stays in it.
    const message = { chunk: -1, adopted: 0 }
    for (const group of diff.groups) this.#integrateEntries(group, decoded ? group.packed : undefined, records, message)
    // What the new entries joined at their keys: where deaths withheld from this diff likely are.
    for (let i = 0; i < records.length; i++) this.#suspects.note(this.#rows, records.before(i))
    if (diff.deathsWithheld === true) this.#suspects.want()
    if (message.adopted > 0) this.#arena.pin(diff.groups[0].packed!.bytes.byteLength - message.adopted)
    for (const group of diff.groups) {
      if (group.deaths == null || group.deaths.isEmpty) continue
      const replica = this.#replicaForRemoval(group.replica)
      if (replica == null) continue
      // Our own seqs beyond what we issued are never taken in; the rest of the group is.
      const deaths = replica === this.#local && group.deaths.max()! >= this.#nextSeq ? group.deaths.slice(1, this.#nextSeq) : group.deaths
      const killed = deaths.intersect(replica.live)
      for (const seq of killed) this.#kill(replica, seq, records)
      killed.dispose()
      replica.markSeenDead(deaths)
      this.#seenChanged.add(replica)
      if (deaths !== group.deaths) deaths.dispose()
    }
    this.#committed(records)
    if (foreign != null) this.dispatchEvent(new ForeignDotEvent(foreign))
    this.#emit('remote', records)
  }

  /** Whether this replica has integrated `dot`, alive or dead. A seq missing below one it has seen is a gap: something was lost. */
  hasSeen (dot: Dot): boolean {
    return this.#replicas.get(dot.replica)?.seen.has(dot.seq) ?? false
  }

  /**
   * 12 bytes that change whenever what this replica has seen or holds live changes (see
   * {@link stateHashOf}).
   */
  stateHash (): Uint8Array {
    return stateHashOf(this.#replicas.values())
  }

  #restorer (): StoreRestorer {
    return {
      restoreSeen: (replicaId, seen) => {
        const replica = this.#replica(replicaId)
        replica.markSeenDead(seen)
        return replica
      },
      restoreEntry: (key, value, replicaId, seq, hlc) => {
        const replica = this.#replicas.get(replicaId)
        if (replica == null || !replica.seen.has(seq) || replica.dots.has(seq)) return false
        const hash = hashKey(key, 0, key.byteLength)
        const slot = this.#entries.find(key, 0, key.byteLength, hash)
        const row = this.#rows.append(key, value, replica, seq, hlc.wall, hlc.counter, this.#entries.headAt(slot))
        this.#entries.putAt(slot, row, hash)
        replica.addLive(seq, row)
        return true
      },
      restoreNextSeq: (seq) => { this.#nextSeq = seq },
      restoreClock: (time) => { this.#clock.restore(time) }
    }
  }

  #view (): StoreView {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const store = this
    return {
      chainAt: (key) => {
        const head = this.#chain(key)
        return head === NO_ROW ? undefined : this.#rows.chain(head)
      },
      get nextSeq () { return store.#nextSeq },
      get clockTime () { return store.#clock.peek() },
      get size () { return store.#entries.size }
    }
  }

  #chain (key: Uint8Array): Row {
    return this.#entries.get(key, 0, key.byteLength, hashKey(key, 0, key.byteLength))
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

  /** The writer of an entry: from now on not one known only from removals. */
  #replica (id: ReplicaId): ReplicaState {
    let replica = this.#replicas.get(id)
    if (replica == null) {
      replica = this.#newReplica(id)
    } else if (this.#removalOnly.size > 0) {
      this.#removalOnly.delete(replica)
    }
    return replica
  }

  /** The writer a removal names, or undefined when it is unknown and enough such writers are kept already. */
  #replicaForRemoval (id: ReplicaId): ReplicaState | undefined {
    const known = this.#replicas.get(id)
    if (known != null) return known
    if (this.#removalOnly.size >= this.#maxRemovalOnly) return undefined
    const replica = this.#newReplica(id)
    this.#removalOnly.add(replica)
    return replica
  }

  #newReplica (id: ReplicaId): ReplicaState {
    const replica = new ReplicaState(id)
    replica.index = this.#rows.addWriter(replica)
    this.#replicas.set(id, replica)
    return replica
  }

  /** A local set (`value`) or delete (`undefined`), in the open transaction or in one of its own. */
  #write (keyBytes: Uint8Array, value: Uint8Array | undefined): boolean {
    const tx = this.#tx ?? { hlc: this.#clock.next(), firstSeq: this.#nextSeq, writes: new WriteRecords(this.#rows) }
    const hash = hashKey(keyBytes, 0, keyBytes.byteLength)
    const slot = this.#entries.find(keyBytes, 0, keyBytes.byteLength, hash)
    const before = this.#entries.headAt(slot)
    let after = NO_ROW
    if (value == null) {
      if (before === NO_ROW) return false
      this.#entries.delete(before)
    } else {
      if (this.#nextSeq > MAX_SEQ) throw new SeqLimitError(`replica ${this.replicaId} has issued every seq up to ${MAX_SEQ}: continue under a new replica id`)
      after = this.#rows.append(keyBytes, value, this.#local, this.#nextSeq++, tx.hlc.wall, tx.hlc.counter, NO_ROW)
      this.#entries.putAt(slot, after, hash)
    }
    tx.writes.push(before, after)
    if (tx !== this.#tx) this.#commit(tx, undefined)
    return true
  }

  #opsOf (tx: Transaction): Op[] {
    // The transaction's clock object is the ops' alone: entries keep theirs as numbers.
    const hlc = tx.hlc
    const rows = this.#rows
    const writes = tx.writes
    const ops: Op[] = []
    for (let i = 0; i < writes.length; i++) {
      const before = writes.before(i)
      const after = writes.after(i)
      ops.push(after === NO_ROW
        ? { kind: 'delete', key: rows.key(before), removes: dotsOf(rows, before) }
        : {
            kind: 'set',
            key: rows.key(after),
            value: rows.value(after),
            dot: { replica: this.replicaId, seq: rows.seq(after) },
            hlc,
            removes: dotsOf(rows, before)
          })
    }
    return ops
  }

  #takeTransaction (what: string): Transaction {
    const tx = this.#tx
    if (tx == null) throw new TransactionError(`${what}() without begin()`)
    this.#tx = undefined
    return tx
  }

  #requireNoTransaction (what: string): void {
    if (this.#tx != null) throw new TransactionError(`${what}() cannot run inside an open transaction`)
  }

  /**
   * Brings the bitmaps and the dot index in line with a transaction's writes: its dots are
   * contiguous, so they enter seen and live as one range, and those it overwrote itself leave
   * live again with every older dot it replaced.
   */
  #commit (tx: Transaction, ops: Op[] | undefined): void {
    const local = this.#local
    if (this.#nextSeq > tx.firstSeq) {
      local.addFreshRange(tx.firstSeq, this.#nextSeq)
      this.#seenChanged.add(local)
    }
    const rows = this.#rows
    const writes = tx.writes
    for (let i = 0; i < writes.length; i++) {
      for (let row = writes.before(i); row !== NO_ROW; row = rows.next(row)) {
        rows.writer(row).removeLive(rows.seq(row))
        this.#arena.release(rows.byteLength(row))
        this.#dead.push(row)
      }
      const after = writes.after(i)
      if (after !== NO_ROW) local.indexLive(rows.seq(after), after)
    }
    this.#committed(writes)
    // Read before #emit frees the dead rows that the ops' removes name.
    const published = writes.length > 0 && this.listening('ops') ? ops ?? this.#opsOf(tx) : undefined
    this.#emit('local', writes)
    if (published != null) this.#emitOps(published)
  }

  /**
   * A diff group's entries, with one call into the bitmap backend for all of them. A decoded
   * group's entries are read in place (`packed`), with no object made per entry, and stay there:
   * `message` counts the bytes of it they keep, and its chunk number once one does.
   */
  #integrateEntries (group: DiffGroup, packed: PackedEntries | undefined, records: WriteRecords, message: { chunk: number, adopted: number }): void {
    const count = packed?.count ?? group.entries.length
    if (count === 0) return
    const rows = this.#rows
    const replica = this.#replica(group.replica)
    // Seqs above the highest seen need no lookup: in a sync from scratch, that is all of them.
    const seenMax = replica.seen.max() ?? 0
    // Ours we never issued are left out (reported by integrateDiff).
    const limit = replica === this.#local ? this.#nextSeq : Number.POSITIVE_INFINITY
    const fresh: Row[] = []
    const seqs: number[] = []
    let latest = NO_ROW
    this.#entries.reserve(count)
    const take = (row: Row, seq: number): void => {
      fresh.push(row)
      seqs.push(seq)
      if (latest === NO_ROW || rows.compareClocks(row, latest) > 0) latest = row
    }
    if (packed != null) {
      packed.rewind()
      while (packed.next()) {
        const { seq, bytes, keyStart, keyLength, valueLength } = packed
        if ((seq <= seenMax && replica.seen.has(seq)) || seq >= limit) continue
        // Kept where it arrived: the message is the decoder's own copy, key and value side by side.
        if (message.chunk < 0) message.chunk = this.#arena.adoptChunk(bytes)
        this.#arena.adopt(keyLength + valueLength)
        message.adopted += keyLength + valueLength
        take(this.#placeEntry(message.chunk, keyStart, keyLength, valueLength, replica, seq, packed.hlc.wall, packed.hlc.counter, records), seq)
      }
    } else {
      for (const { key, value, seq, hlc } of group.entries) {
        if ((seq <= seenMax && replica.seen.has(seq)) || seq >= limit) continue
        this.#arena.append(key, value)
        take(this.#placeEntry(this.#arena.lastChunkId, this.#arena.lastOffset, key.byteLength, value.byteLength, replica, seq, hlc.wall, hlc.counter, records), seq)
      }
    }
    if (fresh.length === 0) return
    replica.addFresh(fresh, seqs)
    this.#seenChanged.add(replica)
    this.#clock.observe(rows.hlc(latest))
  }

  /**
   * Puts a remote entry, whose dot was not seen and whose key and value already sit side by
   * side at `offset` in arena chunk `chunk` (counted by the arena), at the head of its key's
   * chain, and records the change. Its seq is not yet marked seen or live.
   */
  #placeEntry (chunk: number, offset: number, keyLength: number, valueLength: number, replica: ReplicaState, seq: number, wall: number, counter: number, records: WriteRecords): Row {
    const bytes = this.#arena.chunk(chunk)
    const hash = hashKey(bytes, offset, keyLength)
    const slot = this.#entries.find(bytes, offset, keyLength, hash)
    const before = this.#entries.headAt(slot)
    const row = this.#rows.add(chunk, offset, keyLength, valueLength, replica, seq, wall, counter, before)
    this.#entries.putAt(slot, row, hash)
    records.push(before, row)
    return row
  }

  #integrateEntry (key: Uint8Array, value: Uint8Array, replicaId: ReplicaId, seq: number, hlc: Hlc, records: WriteRecords): void {
    const replica = this.#replica(replicaId)
    if (replica.seen.has(seq)) return
    this.#arena.append(key, value)
    const row = this.#placeEntry(this.#arena.lastChunkId, this.#arena.lastOffset, key.byteLength, value.byteLength, replica, seq, hlc.wall, hlc.counter, records)
    replica.markSeen(seq)
    this.#seenChanged.add(replica)
    replica.addLive(seq, row)
    this.#clock.observe(hlc)
  }

  /** Marks a dot dead: unlinks its entry if live, and records it as seen. */
  #kill (replica: ReplicaState, seq: number, records: WriteRecords): void {
    const row = replica.dots.get(seq)
    if (row === undefined) {
      if (!replica.seen.has(seq)) {
        replica.markSeen(seq)
        this.#seenChanged.add(replica)
      }
      return
    }
    replica.removeLive(seq)
    this.#arena.release(this.#rows.byteLength(row))
    const before = this.#entries.chainOf(row)
    const after = this.#unlink(before, row)
    if (after === NO_ROW) this.#entries.delete(row)
    else if (after !== before) this.#entries.set(after)
    records.push(before, after)
    this.#dead.push(row)
  }

  /** The chain without `target`, unlinked in place. */
  #unlink (head: Row, target: Row): Row {
    const rows = this.#rows
    if (head === target) return rows.next(head)
    let previous = head
    while (rows.next(previous) !== target) previous = rows.next(previous)
    rows.setNext(previous, rows.next(target))
    return head
  }

  /** Hands what a commit or an integration changed to the persistence, then forgets it. */
  #committed (records: WriteRecords): void {
    if (records.length > 0 || this.#seenChanged.size > 0) this.#persistence?.committed({ records, writers: this.#seenChanged })
    this.#seenChanged.clear()
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
    const changes = records.length > 0 && this.listening('change') ? changedBytes(records, this.#rows) : undefined
    for (const row of this.#dead) this.#rows.free(row)
    this.#dead = []
    if (this.#arena.needsCompaction) this.#rows.compact(this.#entries.heads())
    if (changes != null) this.dispatchEvent(new ChangeEvent(origin, changes, this.#keys, this.#values))
  }
}
