import type { ForeignDotError } from './errors.ts'

/**
 * Fired when a diff named dots of this replica's own id that it never issued. Those dots are left
 * out and the rest of the diff is integrated: an honest peer may hold such a dot (it cannot tell a
 * forgery from a write until writers sign), so refusing its whole diff would cut that peer off for
 * good. Ops naming such a dot are refused whole instead, with the same error thrown.
 */
export class ForeignDotEvent extends Event {
  readonly error: ForeignDotError

  constructor (error: ForeignDotError) {
    super('foreign-dot')
    this.error = error
  }
}
