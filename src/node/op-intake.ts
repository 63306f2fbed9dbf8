import { ForeignDotError } from '../store/errors.ts'
import type { Dot, Op } from '../store/types.ts'

/** What the intake needs of the store. */
export interface OpIntakeStore {
  readonly inTransaction: boolean
  integrateOps(ops: readonly Op[]): unknown
  hasSeen(dot: Dot): boolean
}

/** Where the intake reports what it could not take, each laid at the door of the ops' source. */
export interface OpIntakeReports<S> {
  /** The ops named dots of this replica that it never issued; the store refused them whole. */
  foreign: (source: S, error: ForeignDotError) => void
  /** The store refused the ops for any other reason. */
  invalid: (source: S, error: unknown) => void
  /** `dot` is still missing below an op that `source` sent: gossip lost it, or it is on its way. */
  gap: (dot: Dot, source: S) => void
}

/**
 * The one way remote ops enter a store, whatever carried them (the mesh topic, a tab channel):
 * an app's open transaction is never interleaved with remote ops, so they wait until it ends,
 * and then each batch is integrated on its own, so one bad batch costs only itself.
 */
export class OpIntake<S> {
  readonly #store: OpIntakeStore
  readonly #reports: OpIntakeReports<S>
  #pending: Array<{ ops: readonly Op[], source: S }> = []
  #retryTimer: ReturnType<typeof setTimeout> | undefined

  constructor (store: OpIntakeStore, reports: OpIntakeReports<S>) {
    this.#store = store
    this.#reports = reports
  }

  /** Integrates `ops` now, or once the app's transaction ends. */
  receive (ops: readonly Op[], source: S): void {
    this.#pending.push({ ops, source })
    this.#drain()
  }

  /** Drops what waits for a transaction to end. */
  stop (): void {
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    this.#pending = []
  }

  #drain (): void {
    if (this.#store.inTransaction) {
      // One retry timer at a time; it takes everything that queued up meanwhile.
      this.#retryTimer ??= setTimeout(() => {
        this.#retryTimer = undefined
        this.#drain()
      }, 5)
      return
    }
    const pending = this.#pending
    this.#pending = []
    const gaps = new Map<S, Dot>()
    for (const { ops, source } of pending) {
      try {
        this.#store.integrateOps(ops)
      } catch (err) {
        if (err instanceof ForeignDotError) this.#reports.foreign(source, err)
        else this.#reports.invalid(source, err)
        continue
      }
      // Every seq of a writer is a set: one below a set we got that we never saw was lost.
      for (const op of ops) {
        if (op.kind === 'set' && op.dot.seq > 1 && !this.#store.hasSeen({ replica: op.dot.replica, seq: op.dot.seq - 1 })) {
          gaps.set(source, { replica: op.dot.replica, seq: op.dot.seq - 1 })
        }
      }
    }
    for (const [source, dot] of gaps) this.#reports.gap(dot, source)
  }
}
