import type { ReplicaId } from '../types.ts'

/**
 * Fired when a diff claimed deaths of a writer's seqs that this store did not take, and counted
 * against the peer that sent them (`refusedByPeer[peer].deaths`). Two reasons:
 * - `'unattested'`: seqs beyond the highest one the writer's key has signed for, as far as this
 *   store knows: the responder invents seqs the writer never wrote (an honest one sends the
 *   writer's latest proof with such deaths, and holds back its own seqs not signed yet). The
 *   writer's later writes at those seqs live.
 * - `'unproven'`: deaths without evidence (a signed removal whose tag matches the entry, the
 *   writer's own zero leaf, or an equivocation) of seqs this store has not seen, or holds live
 *   and named as suspects in the request the diff answered. They are not marked seen, so the
 *   next honest responder's entries are taken.
 */
export class DeathsRefusedEvent extends Event {
  readonly replica: ReplicaId
  /** The first seq refused: for `'unattested'`, one above the highest the writer's key attested here. */
  readonly from: number
  readonly reason: 'unattested' | 'unproven'
  /** How many deaths were refused for lack of evidence (`'unproven'`); for `'unattested'`, 0 (a claim may name millions in a few bytes, nothing is counted one by one). */
  readonly count: number

  constructor (replica: ReplicaId, from: number, reason: 'unattested' | 'unproven' = 'unattested', count = 0) {
    super('deaths-refused')
    this.replica = replica
    this.from = from
    this.reason = reason
    this.count = count
  }
}
