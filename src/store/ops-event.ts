import type { Op } from './types.ts'

/**
 * Fired once per local commit that wrote anything, with the ops other replicas need: what a
 * transport publishes (the mesh peer listens to it). Remote integrations do not fire it.
 */
export class OpsEvent extends Event {
  readonly ops: readonly Op[]

  constructor (ops: readonly Op[]) {
    super('ops')
    this.ops = ops
  }
}
