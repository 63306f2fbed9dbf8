import type { Equivocation } from './writer-proofs.ts'
import type { ReplicaId } from '../types.ts'

/**
 * Fired when a writer's key signed two different entries for one dot: proof that the writer (or
 * whoever holds its key) lies. The store keeps the first it verified.
 */
export class EquivocationEvent extends Event {
  readonly replica: ReplicaId
  readonly seq: number
  readonly equivocation: Equivocation

  constructor (replica: ReplicaId, equivocation: Equivocation) {
    super('equivocation')
    this.replica = replica
    this.seq = equivocation.seq
    this.equivocation = equivocation
  }
}
