import { DeathSuspects } from './death-suspects.ts'
import { EMPTY_DIFF, type Diff, type DiffRequest } from './diff.ts'
import { buildWholeDiff, diffFrames, requestOf } from './diff-builder.ts'
import { ForeignDotEvent } from './foreign-dot-event.ts'
import { integrateDiff, integrateOps, type IntegrationTarget } from './remote-integration.ts'
import { stateHashOf } from './state-hash.ts'
import { verifyEvidenceAhead } from './writer-keys/death-evidence.ts'
import { verifyDiffAhead } from './writer-keys/diff-proofs.ts'
import { verifyOpsAhead } from './writer-keys/ops-proofs.ts'
import { UnsignedIntake } from './writer-keys/unsigned-intake.ts'
import { WriterIntake } from './writer-keys/writer-intake.ts'
import type { ChainTable } from './chain-table.ts'
import type { CommitNotifier } from './commit-notifier.ts'
import type { HybridClock } from './hlc.ts'
import type { LocalWrites } from './local-writes.ts'
import type { ReplicaState } from './replica-state.ts'
import type { StoreEventSink } from './store-event-target.ts'
import type { Op } from './types.ts'
import type { WriterTable } from './writer-table.ts'

/** The parts of a store that other replicas' ops and diffs read and change. */
export interface ExchangeParts {
  readonly chains: ChainTable
  readonly writers: WriterTable
  readonly clock: HybridClock
  /** This replica's own writer. */
  readonly local: ReplicaState
  readonly writes: LocalWrites
  readonly writerKeys: boolean
  readonly maxPendingRemovals: number | undefined
  readonly notifier: CommitNotifier<unknown, unknown>
  readonly events: StoreEventSink
}

/**
 * What a store exchanges with other replicas: the diff requests it makes, the diffs it serves
 * from committed state, and the ops and diffs of others it integrates, with the events they raise.
 */
export class ReplicaExchange {
  /** Where deaths an answer withheld likely are, for the request after it. */
  readonly #suspects = new DeathSuspects()
  readonly #chains: ChainTable
  readonly #writers: WriterTable
  readonly #writes: LocalWrites
  readonly #writerKeys: boolean
  readonly #notifier: CommitNotifier<unknown, unknown>
  readonly #events: StoreEventSink
  readonly #target: IntegrationTarget

  constructor ({ chains, writers, clock, local, writes, writerKeys, maxPendingRemovals, notifier, events }: ExchangeParts) {
    this.#chains = chains
    this.#writers = writers
    this.#writes = writes
    this.#writerKeys = writerKeys
    this.#notifier = notifier
    this.#events = events
    this.#target = {
      chains,
      writers,
      clock,
      suspects: this.#suspects,
      local,
      get nextSeq () { return writes.nextSeq },
      intake: writerKeys ? new WriterIntake((id) => writers.get(id), maxPendingRemovals) : new UnsignedIntake((id) => writers.forRemoval(id)),
      proved: (writer, proof) => { notifier.proved(writer, proof) }
    }
  }

  /** Whether a diff integrated since the last full request called entries held live dead without evidence. */
  get deathsInDoubt (): boolean {
    return this.#suspects.doubted
  }

  request (options: { summary?: boolean, hash?: boolean, narrowDeaths?: boolean }, stateHash: () => Uint8Array): DiffRequest {
    return requestOf(this.#writers.values(), stateHash, this.#suspects, options)
  }

  build (request: DiffRequest): Diff {
    // Local commits not signed yet are signed now rather than left out.
    this.#writes.signAll()
    return buildWholeDiff(this.#chains.rows, this.#writers.values(), request, stateHashOf(this.#writers.values()), this.#writerKeys)
  }

  frames (request: DiffRequest, maxFrameBytes: number): Generator<Diff> {
    this.#writes.signAll()
    return diffFrames(this.#chains.rows, this.#writers.values(), request, stateHashOf(this.#writers.values()), maxFrameBytes, this.#writerKeys)
  }

  /** Whether every op is in a batch signed by its writer's key (checked ahead, where verifying is asynchronous). */
  async verifyOps (ops: readonly Op[]): Promise<boolean> {
    // Without writer keys nothing is verified, and signed ops are not taken at all.
    if (!this.#writerKeys) return ops.every((op) => op.batch == null)
    return await verifyOpsAhead(ops)
  }

  /** Verifies a diff's signatures and evidence ahead, so that integrating it reuses the work. */
  async verifyDiff (diff: Diff, signal: AbortSignal | undefined): Promise<void> {
    if (!this.#writerKeys) return
    await verifyDiffAhead(diff, signal)
    await verifyEvidenceAhead(diff)
  }

  integrateOps (ops: readonly Op[]): void {
    this.#writes.requireNone('integrateOps')
    const { records, equivocations } = integrateOps(this.#target, ops)
    this.#notifier.committed(records)
    this.#notifier.emit('remote', records)
    for (const event of equivocations) this.#events.dispatchEvent(event)
  }

  integrateDiff (diff: Diff): void {
    this.#writes.requireNone('integrateDiff')
    if (diff === EMPTY_DIFF) return
    const events = this.#events
    const { records, foreign, equivocations, deathsRefused } = integrateDiff(this.#target, diff, (refused) => { events.dispatchEvent(new ForeignDotEvent(refused)) })
    this.#notifier.committed(records)
    if (foreign != null) events.dispatchEvent(new ForeignDotEvent(foreign))
    this.#notifier.emit('remote', records)
    for (const event of equivocations) events.dispatchEvent(event)
    for (const event of deathsRefused) events.dispatchEvent(event)
  }
}
