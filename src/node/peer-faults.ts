import { RefusalCounter, type RefusedInputs } from './refusal-counter.ts'
import type { DiffFault } from '../protocols/diff/index.ts'
import type { ForeignDotError } from '../store/errors.ts'
import type { ForeignDotEvent } from '../store/foreign-dot-event.ts'
import type { EquivocationEvent } from '../store/writer-keys/equivocation-event.ts'
import type { DeathsRefusedEvent } from '../store/writer-keys/deaths-refused-event.ts'
import type { MeshPeerEvents, MeshPeerStats } from './mesh-peer-types.ts'
import type { TypedEventEmitter } from 'main-event'
import type { Logger, PeerId } from '@libp2p/interface'

/** The counters of {@link MeshPeerStats} that faults raise. */
export type FaultTallies = Pick<MeshPeerStats, 'invalidMessages' | 'foreignDots' | 'equivocations' | 'deathsRefused'>

export interface PeerFaultsInit {
  /** The peer's stats, whose fault counters this raises. */
  stats: FaultTallies
  log: Logger
  /** Where 'foreign-dot' and 'equivocation' events go (the mesh peer). */
  events: TypedEventEmitter<MeshPeerEvents>
  /** The name diffs are served and pulled under: faults of other meshes are not this peer's. */
  diffMesh: string
  /** The peer a pull is reading from now, if any: whom a diff's faults are held against. */
  pulling: () => PeerId | undefined
}

/**
 * What a mesh peer refused of others (malformed messages, dots of its own id, equivocations,
 * deaths a writer's key never attested, faults of the diff protocol): counted per remote peer,
 * logged, and reported as events. The store's and the diff protocol's events arrive at the
 * listeners, which the mesh peer adds while it runs.
 */
export class PeerFaults {
  readonly #refusals = new RefusalCounter()
  readonly #stats: FaultTallies
  readonly #log: Logger
  readonly #events: TypedEventEmitter<MeshPeerEvents>
  readonly #diffMesh: string
  readonly #pulling: () => PeerId | undefined

  constructor (init: PeerFaultsInit) {
    this.#stats = init.stats
    this.#log = init.log
    this.#events = init.events
    this.#diffMesh = init.diffMesh
    this.#pulling = init.pulling
  }

  /** What each remote peer sent that was refused, by kind. */
  byPeer (): Record<string, RefusedInputs> {
    return this.#refusals.snapshot()
  }

  /** A malformed message or a batch of ops that would not integrate: the caller logs why. */
  invalid (peer: PeerId): void {
    this.#stats.invalidMessages++
    this.#refusals.count(peer.toString(), 'topicMessages')
  }

  foreign (peer: PeerId | undefined, error: ForeignDotError): void {
    this.#stats.foreignDots++
    if (peer != null) this.#refusals.count(peer.toString(), 'foreignDots')
    this.#log.error('refused dots of our own replica id from %s - %e', peer?.toString() ?? 'an app call', error)
    this.#events.safeDispatchEvent('foreign-dot', { detail: { peer, error } })
  }

  /** A diff the store integrated named foreign dots; it left them out. */
  readonly onForeignDot = (event: ForeignDotEvent): void => {
    this.foreign(this.#pulling(), event.error)
  }

  readonly onEquivocation = (event: Event): void => {
    const { replica, seq } = event as EquivocationEvent
    const peer = this.#pulling()
    this.#stats.equivocations++
    this.#log.error('writer %s signed two entries for seq %d (seen %s)', replica, seq, peer == null ? 'on the topic' : `pulling from ${peer.toString()}`)
    this.#events.safeDispatchEvent('equivocation', { detail: { replica, seq, peer } })
  }

  /** A diff claimed deaths a writer's key never attested: the store left them out. */
  readonly onDeathsRefused = (event: DeathsRefusedEvent): void => {
    const peer = this.#pulling()
    this.#stats.deathsRefused++
    if (peer != null) this.#refusals.count(peer.toString(), 'deaths')
    this.#log.error('refused deaths of writer %s from seq %d, beyond what its key attested, from %s', event.replica, event.from, peer?.toString() ?? 'an app call')
  }

  /** Tallies, per remote peer, what the diff protocol refused of this mesh (or of no mesh in particular). */
  readonly onDiffFault = (event: CustomEvent<DiffFault>): void => {
    const { peer, kind, mesh } = event.detail
    if (mesh != null && mesh !== this.#diffMesh) return
    this.#refusals.count(peer.toString(), kind === 'frame' ? 'diffFrames' : kind === 'rate-limited' ? 'rateLimited' : 'diffRequests')
  }
}
