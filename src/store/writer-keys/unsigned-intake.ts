import { InvalidSignatureError, WriterKeysMismatchError } from './errors.ts'
import type { GroupProofs } from './diff-proofs.ts'
import type { OpsProof } from './ops-proofs.ts'
import type { WriterIntake } from './writer-intake.ts'
import type { EquivocationEvent } from './equivocation-event.ts'
import type { ReplicaState } from '../replica-state.ts'
import type { Diff } from '../diff.ts'
import type { Dot, Op, ReplicaId } from '../types.ts'

/** What remote integration asks of an intake, signed or not. */
export type Intake = Pick<WriterIntake, 'signed' | 'checkOps' | 'checkDiff' | 'keep' | 'removalTarget' | 'removedOnArrival' | 'takeEquivocations' | 'deathLimit'>

/** Whether `op` is in no signed batch (a delete that removes nothing needs none either way). */
function unsigned (op: Op): boolean {
  return op.batch == null && (op.kind === 'set' || op.removes.length > 0)
}

/**
 * Refuses unsigned ops at a store whose writers are bound to keys, before anything changed: as
 * any op its writer did not sign (`InvalidSignatureError`), saying where such ops come from.
 */
export function refuseUnsignedOps (ops: readonly Op[]): void {
  if (ops.some(unsigned)) throw new InvalidSignatureError('unsigned ops (of a store with writerKeys: false, or not in a signed batch) reached a store whose writers are bound to keys: refused')
}

/** Refuses an unsigned diff (one that brings anything) at a store whose writers are bound to keys. */
export function refuseUnsignedDiff (diff: Diff): void {
  if (diff.unsigned === true && diff.groups.length > 0) throw new InvalidSignatureError('an unsigned diff (of a store with writerKeys: false) reached a store whose writers are bound to keys: refused')
}

const NO_EQUIVOCATIONS: EquivocationEvent[] = []
/** Unsigned ops carry no proof: one empty list for every message, read and never changed. */
const NO_PROOFS: OpsProof[] = []

/**
 * The intake of a store with `writerKeys: false`, for meshes whose members all trust each other:
 * nothing is signed or checked, no proof is kept, and a removal applies to its dot as it says
 * (even one not seen yet, which is then seen dead): any member can write as another and suppress
 * others' writes. Signed input is refused, so that the two kinds never mix silently.
 */
export class UnsignedIntake implements Intake {
  /** Deaths need no evidence: every one a diff names is taken. */
  readonly signed: boolean = false
  readonly #forRemoval: (id: ReplicaId) => ReplicaState | undefined

  /** @param forRemoval - the writer a removal names, made if unknown (bounded by the store). */
  constructor (forRemoval: (id: ReplicaId) => ReplicaState | undefined) {
    this.#forRemoval = forRemoval
  }

  checkOps (ops: readonly Op[]): OpsProof[] {
    for (const op of ops) if (op.batch != null) throw new WriterKeysMismatchError('signed ops reached a store with writerKeys: false: refused (signed and unsigned stores do not mix)')
    return NO_PROOFS
  }

  checkDiff (diff: Diff): GroupProofs[] {
    if (diff.unsigned !== true && diff.groups.length > 0) throw new WriterKeysMismatchError('a signed diff reached a store with writerKeys: false: refused (signed and unsigned stores do not mix)')
    return diff.groups.map(() => ({ card: undefined, proofs: [], digests: [], attestedMax: 0 }))
  }

  keep (): void {}

  removalTarget (dot: Dot): ReplicaState | undefined {
    return this.#forRemoval(dot.replica)
  }

  removedOnArrival (): boolean {
    return false
  }

  takeEquivocations (): EquivocationEvent[] {
    return NO_EQUIVOCATIONS
  }

  /** Every death a diff names is taken: there is no attestation to bound it by. */
  deathLimit (): number {
    return Number.POSITIVE_INFINITY
  }
}
