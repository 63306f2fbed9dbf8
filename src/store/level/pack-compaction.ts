// Which entry packs a LevelStore holds (see pack-codec.ts), and how they are merged as items die.
// Every commit adds packs, and every key a commit changes leaves a dead item in an older pack;
// an open reads all of them. Two merges keep both in bounds:
//
// - Small packs (under half of PACK_BYTES, 32 KiB) are tiered: once 16 packs of one size class
//   (under 1, 8, 32 KiB) are on disk, they are rewritten as one, from the store in memory: the
//   state of every key they hold, and the 16 deleted, in one batch. So a key written alone is
//   rewritten at most three times, and the small packs number 3 · 15 at most. Their keys are kept
//   in memory (under 1.5 MiB of packs' worth); large packs' are not.
// - Once the dead items outnumber the live keys (and 65,536), every pack is rewritten: read back a
//   group at a time, each item kept only if it still is its key's state, in batches of their own,
//   the old packs deleted with the last one. Each live key is then rewritten once for at least
//   one write that killed an item, which bounds the work at one rewrite per write.
//
// A merged pack is numbered after every pack written before it and holds only items that are
// their key's state when its batch is queued, so it can never hide a newer state; no item is
// dropped while an older pack could still hold a state it hides (an item saying "no entries" is
// kept unless every older pack goes in the same merge). A crash mid-merge leaves the old packs
// beside the merged ones: the same states twice, which an open reads as once.

import { logger } from '@libp2p/logger'
import { bytesToKeyString } from '../key-string.ts'
import type { StoreView } from '../store-persistence.ts'
import type { LevelDatabase } from './level-backend.ts'
import { PACK_BYTES, PackWriter, SMALL_PACK_BYTES, isPackKey, packKey, packNumber, readPack, unsealPack, type SealedPack } from './pack-codec.ts'
import type { StoredEntry } from './chain-record.ts'
import type { BatchOp } from './write-queue.ts'

const log = logger('roaring-mesh:level-store')

/** Size classes of small packs: a pack under CLASS_BYTES[i] bytes is of class i. */
const CLASS_BYTES = [PACK_BYTES / 64, PACK_BYTES / 8, SMALL_PACK_BYTES]
/** Small packs of one class merged at once. */
const FANOUT = 16
/** Dead items tolerated before a full rewrite, whatever the store's size. */
const MIN_DEAD = 1 << 16
/** Bytes of packs read back per step of a full rewrite. */
const GROUP_BYTES = 8 << 20

interface PackInfo {
  readonly items: number
  readonly bytes: number
  /** The keys of a small pack; undefined for a large one. */
  readonly keys: Uint8Array[] | undefined
}

/** Where merged packs go: queued as one batch with the store's state record, like a commit. */
export interface PackSink {
  persist: (ops: BatchOp[]) => void
  /** Resolves once every batch queued so far is on disk. */
  idle: () => Promise<void>
}

function sizeClass (bytes: number): number {
  return CLASS_BYTES.findIndex((limit) => bytes < limit)
}

/** The packs on disk, their numbers, and their merges. */
export class PackLog {
  readonly #db: LevelDatabase
  readonly #view: StoreView
  readonly #sink: PackSink
  readonly #packs = new Map<number, PackInfo>()
  /** The numbers of the small packs of each size class. */
  readonly #classes: Array<Set<number>> = CLASS_BYTES.map(() => new Set())
  #next = 0
  #items = 0
  #merging: Promise<void> | undefined
  #stopped = false

  constructor (db: LevelDatabase, view: StoreView, sink: PackSink) {
    this.#db = db
    this.#view = view
    this.#sink = sink
  }

  /** How many packs are on disk once every batch queued so far is. */
  get count (): number {
    return this.#packs.size
  }

  /** Items in all packs, live and dead. */
  get items (): number {
    return this.#items
  }

  /**
   * Loads a pack at open, packs read newest first: an item whose key a newer pack gave entries, or
   * said has none (`none`, keys as strings), is dead; the others go to `restore`.
   */
  load (key: Uint8Array, stored: Uint8Array, none: Set<string>, restore: (key: Uint8Array, entries: StoredEntry[]) => void): void {
    const n = packNumber(key)
    const pack = unsealPack(key, stored)
    const keys: Uint8Array[] = []
    const items = readPack(pack, (itemKey, entries) => {
      keys.push(itemKey)
      if (this.#view.chainAt(itemKey) != null) return
      if (none.size > 0 && none.has(bytesToKeyString(itemKey))) return
      if (entries.length === 0) none.add(bytesToKeyString(itemKey))
      else restore(itemKey, entries)
    })
    this.#add(n, items, pack.byteLength, pack.byteLength < SMALL_PACK_BYTES ? keys.map((k) => k.slice()) : undefined)
  }

  /** Numbers the packs `writer` built and adds their puts to `ops`. */
  write (writer: PackWriter, ops: BatchOp[]): void {
    for (const pack of writer.finish()) this.#put(pack, ops)
  }

  /** Starts a merge if one is due and none is under way; returns it (a small one is done at once), or undefined. */
  maybeMerge (): Promise<void> | undefined {
    if (this.#merging != null || this.#stopped) return undefined
    const small = this.#smallMerge()
    if (small != null) {
      this.#mergeSmall(small)
      return this.maybeMerge() ?? Promise.resolve()
    }
    if (this.#items - this.#view.size <= Math.max(this.#view.size, MIN_DEAD)) return undefined
    const merging = this.#rewriteAll([...this.#packs.keys()]).catch((err) => {
      this.#stopped = true
      log.error('merging entry packs failed; no more merges until the store is reopened - %e', err)
    }).finally(() => {
      this.#merging = undefined
    })
    this.#merging = merging
    // Whatever became due meanwhile follows.
    return merging.then(async () => { await this.maybeMerge() })
  }

  /** Stops merging (at the end of a step: what a merge has written so far stays correct) and waits for it. */
  async stop (): Promise<void> {
    this.#stopped = true
    await this.#merging
  }

  #add (n: number, items: number, bytes: number, keys: Uint8Array[] | undefined): void {
    this.#packs.set(n, { items, bytes, keys })
    if (keys != null) this.#classes[sizeClass(bytes)].add(n)
    this.#items += items
    if (n >= this.#next) this.#next = n + 1
  }

  #put (pack: SealedPack, ops: BatchOp[]): void {
    const n = this.#next
    const key = packKey(n)
    ops.push({ type: 'put', key, value: pack.seal(key) })
    this.#add(n, pack.items, pack.bytes, pack.keys)
  }

  #remove (numbers: readonly number[], ops: BatchOp[]): void {
    for (const n of numbers) {
      const info = this.#packs.get(n)
      if (info == null) continue
      this.#packs.delete(n)
      if (info.keys != null) this.#classes[sizeClass(info.bytes)].delete(n)
      this.#items -= info.items
      ops.push({ type: 'del', key: packKey(n) })
    }
  }

  #smallMerge (): number[] | undefined {
    const due = this.#classes.find((packs) => packs.size >= FANOUT)
    return due == null ? undefined : [...due]
  }

  /** Rewrites small packs as one, from the store in memory, in one batch. */
  #mergeSmall (numbers: number[]): void {
    const every = numbers.length === this.#packs.size
    const writer = new PackWriter()
    const done = new Set<string>()
    for (const n of numbers) {
      for (const key of this.#packs.get(n)!.keys!) {
        const name = bytesToKeyString(key)
        if (done.has(name)) continue
        done.add(name)
        const chain = this.#view.chainAt(key)
        // A key with no entries keeps saying so while an older pack may hold entries for it.
        if (chain == null && every) continue
        writer.add(key, chain)
      }
    }
    const ops: BatchOp[] = []
    this.write(writer, ops)
    this.#remove(numbers, ops)
    this.#sink.persist(ops)
  }

  /** Rewrites the packs `numbers` (every pack there was when it began), reading them back a group at a time. */
  async #rewriteAll (numbers: number[]): Promise<void> {
    await this.#sink.idle()
    const groups: number[][] = [[]]
    let bytes = 0
    for (const n of numbers) {
      const size = this.#packs.get(n)?.bytes ?? 0
      if (bytes > 0 && bytes + size > GROUP_BYTES) {
        groups.push([])
        bytes = 0
      }
      groups[groups.length - 1].push(n)
      bytes += size
    }
    for (let g = 0; g < groups.length; g++) {
      if (this.#stopped) return
      const keys = groups[g].map(packKey)
      const stored = await Promise.all(keys.map(async (key) => await this.#db.get(key)))
      if (this.#stopped) return
      // From here to the persist, synchronous: every item kept is its key's state when its batch is queued.
      const writer = new PackWriter()
      stored.forEach((value, i) => {
        if (value == null || !isPackKey(keys[i])) throw new Error(`entry pack ${groups[g][i]} is missing`)
        const pack = unsealPack(keys[i], value)
        readPack(pack, (key, entries, start, end) => {
          if (!this.#isState(key, entries)) return
          writer.copy(key, pack.subarray(start, end))
        })
      })
      const ops: BatchOp[] = []
      this.write(writer, ops)
      if (g === groups.length - 1) this.#remove(numbers, ops)
      this.#sink.persist(ops)
    }
  }

  /** Whether an item holds its key's state now (an item with no entries never does here: every pack older than it is going). */
  #isState (key: Uint8Array, entries: readonly StoredEntry[]): boolean {
    if (entries.length === 0) return false
    const chain = this.#view.chainAt(key)
    if (chain?.length !== entries.length) return false
    return entries.every((entry) => chain.some((live) => live.seq === entry.seq && live.writer.id === entry.replica))
  }
}
