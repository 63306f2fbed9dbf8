import { equals } from 'uint8arrays/equals'
import { DiffRefusedError, type DiffStore } from '../protocols/diff/index.ts'
import { attributedStore } from './foreign-dots.ts'
import { gapRequest } from './gap-request.ts'
import type { PullReason } from './anti-entropy.ts'
import type { SyncDetail, SyncErrorDetail } from './mesh-peer-types.ts'
import type { DiffSync } from '../protocols/diff/diff-sync.ts'
import type { Dot, ReplicaId } from '../store/types.ts'
import type { Logger, PeerId } from '@libp2p/interface'

/** The puller's counters, a part of the peer's stats. */
export interface MeshPullerStats {
  diffRounds: number
  diffFailures: number
  diffBytesSent: number
  diffBytesReceived: number
  /** Gap pulls not made: every op they were for had arrived by gossip by the time they were due. */
  gapPullsSkipped: number
  /** When the last pull from each peer completed, by peer id. */
  lastSync: Map<string, number>
}

export interface MeshPullerInit {
  mesh: string
  store: DiffStore & { stateHash: () => Uint8Array, hasSeen: (dot: Dot) => boolean }
  diff: () => DiffSync | undefined
  log: Logger
  synced: (detail: SyncDetail) => void
  failed: (detail: SyncErrorDetail) => void
  /** The peer refused for pulling too often: ask it again no sooner than `retryAfterMs`. */
  rateLimited: (peer: PeerId, retryAfterMs: number) => void
}

/** Missing ops remembered per peer until the gap pull from it runs; beyond them the pull asks about every writer. */
const MAX_GAP_DOTS = 256
/** Writers a gap pull narrows its request to at most; with more missing it asks about every writer. */
const MAX_GAP_WRITERS = 16
/** Peers whose gaps are remembered at once (a peer that left before its pull ran is forgotten with the oldest). */
const MAX_GAP_PEERS = 1024

/**
 * How a mesh peer pulls a state diff from one neighbour: which round to start with, one full
 * pull at a time on joining, and whose diff the store is integrating at any moment.
 */
export class MeshPuller {
  readonly stats: MeshPullerStats = { diffRounds: 0, diffFailures: 0, diffBytesSent: 0, diffBytesReceived: 0, gapPullsSkipped: 0, lastSync: new Map() }
  readonly #init: MeshPullerInit
  /** Resolves when the connect pull under way ends. */
  #connectPull: Promise<void> | undefined
  /** The peer whose diff the store is integrating right now, if any. */
  #pulling: PeerId | undefined
  /** The state hash at the last periodic tick: a state that has not moved since skips the pull. */
  #periodicHash: Uint8Array | undefined
  /** The state hash a neighbour announced last. */
  #lastHeard: Uint8Array | undefined
  /** Ops found missing below what each peer sent, for the gap pull from it. */
  readonly #gaps = new Map<string, { dots: Dot[], overflow: boolean }>()

  constructor (init: MeshPullerInit) {
    this.#init = init
  }

  /** The peer whose diff is being integrated now: what the store reports meanwhile is its doing. */
  get pulling (): PeerId | undefined {
    return this.#pulling
  }

  /** A neighbour announced its settled state. */
  heard (stateHash: Uint8Array): void {
    this.#lastHeard = stateHash
  }

  /**
   * True when a periodic pull would find nothing: the state has not moved since the last tick,
   * or the last announcement heard names this very state (after a burst, the neighbours' settled
   * announcements confirm agreement). An idle mesh pulls nothing.
   */
  idleSincePeriodic (): boolean {
    const hash = this.#init.store.stateHash()
    const idle = (this.#periodicHash != null && equals(hash, this.#periodicHash)) || (this.#lastHeard != null && equals(hash, this.#lastHeard))
    this.#periodicHash = hash
    return idle
  }

  /** `missing` ops were still missing below what `peer` sent: the next gap pull from it asks for their writers. */
  noteGaps (peer: PeerId, missing: readonly Dot[]): void {
    const key = peer.toString()
    const gaps = this.#gaps.get(key) ?? { dots: [], overflow: false }
    for (const dot of missing) {
      if (gaps.dots.length < MAX_GAP_DOTS) gaps.dots.push(dot)
      else gaps.overflow = true
    }
    this.#gaps.delete(key)
    this.#gaps.set(key, gaps)
    if (this.#gaps.size > MAX_GAP_PEERS) this.#gaps.delete(this.#gaps.keys().next().value!)
  }

  /** `peer` left: its gaps go with it. */
  forget (peer: PeerId): void {
    this.#gaps.delete(peer.toString())
  }

  /**
   * The writers a gap pull from `peer` is for: those of its noted ops still missing now (gossip
   * may have delivered them while the pull waited its turn). None: nothing to pull. Undefined:
   * too many, or none noted (a pull asked for by hand), so ask about every writer.
   */
  #gapWriters (peer: PeerId): ReplicaId[] | undefined {
    const gaps = this.#gaps.get(peer.toString())
    this.#gaps.delete(peer.toString())
    if (gaps == null || gaps.overflow) return undefined
    const writers = new Set<ReplicaId>()
    for (const dot of gaps.dots) if (!this.#init.store.hasSeen(dot)) writers.add(dot.replica)
    return writers.size > MAX_GAP_WRITERS ? undefined : [...writers]
  }

  async pull (peer: PeerId, reason: PullReason, signal: AbortSignal): Promise<void> {
    const diff = this.#init.diff()
    if (diff == null) return
    const gapWriters = reason === 'gap' ? this.#gapWriters(peer) : undefined
    if (gapWriters?.length === 0) {
      this.stats.gapPullsSkipped++
      return
    }
    // On connect or a gap we know we lack something: skip the summary round.
    let summary = reason === 'periodic' || reason === 'announcement'
    if (reason === 'connect' && this.#connectPull != null) {
      // A peer joining a mesh meets several neighbours at once, and each would stream it the
      // whole state: one full pull at a time, and the others, once it is done, ask by summary.
      await this.#connectPull
      summary = true
    }
    const started = performance.now()
    const fullOnConnect = reason === 'connect' && !summary
    let release = (): void => {}
    if (fullOnConnect) this.#connectPull = new Promise((resolve) => { release = resolve })
    try {
      let store = attributedStore(this.#init.store, peer, (from) => { this.#pulling = from })
      if (gapWriters != null) store = narrowed(store, gapWriters)
      const result = await diff.pull(peer, this.#init.mesh, store, { signal, summary })
      this.stats.diffRounds++
      this.stats.diffBytesSent += result.bytesSent
      this.stats.diffBytesReceived += result.bytesReceived
      this.stats.lastSync.set(peer.toString(), Date.now())
      this.#init.synced({ peer, reason, result, durationMs: performance.now() - started })
    } catch (err: any) {
      if (signal.aborted) return
      if (err instanceof DiffRefusedError && err.reason === 'rate-limited') this.#init.rateLimited(peer, err.retryAfterMs ?? 1000)
      this.stats.diffFailures++
      this.#init.log.error('pull from %p (%s) failed - %e', peer, reason, err)
      this.#init.failed({ peer, reason, error: err })
    } finally {
      if (fullOnConnect) {
        this.#connectPull = undefined
        release()
      }
    }
  }
}

/** The store, whose full request speaks only of the writers around `writers` (see {@link gapRequest}). */
function narrowed (store: DiffStore, writers: readonly ReplicaId[]): DiffStore {
  return {
    get inTransaction () { return store.inTransaction },
    requestDiff: (options) => {
      const full = store.requestDiff(options)
      return options?.summary === true ? full : gapRequest(full, writers) ?? full
    },
    buildDiffFrames: (request, options) => store.buildDiffFrames(request, options),
    verifyDiff: async (diff, options) => { await store.verifyDiff?.(diff, options) },
    integrateDiff: (diff) => store.integrateDiff(diff)
  }
}
