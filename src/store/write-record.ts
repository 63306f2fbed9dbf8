import { compareEntries, type Entry } from './replica-state.ts'

/** One change to one key: the chain of live entries before and after. Chains are immutable. */
export interface WriteRecord {
  readonly key: string
  readonly before: Entry | undefined
  readonly after: Entry | undefined
}

/** The sibling a read returns: the greatest (hlc, replica id). */
export function winner (head: Entry): Entry {
  let best = head
  for (let entry = head.next; entry != null; entry = entry.next) {
    if (compareEntries(entry, best) > 0) best = entry
  }
  return best
}
