import type { ReplicaId } from '../types.ts'

/**
 * Fired when a diff claimed deaths of a writer's seqs beyond the highest one its key has signed
 * for, as far as this store knows: the responder invents seqs the writer never wrote (an honest
 * one sends the writer's latest proof with such deaths, and holds back its own seqs not signed
 * yet). Those deaths were left out, so the writer's later writes at those seqs live.
 */
export class DeathsRefusedEvent extends Event {
  readonly replica: ReplicaId
  /** The first seq refused: one above the highest the writer's key attested here. */
  readonly from: number

  constructor (replica: ReplicaId, from: number) {
    super('deaths-refused')
    this.replica = replica
    this.from = from
  }
}
