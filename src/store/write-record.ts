import { compareEntries, type Entry } from './replica-state.ts'

/** One change to one key: the chain of live entries before and after (never both absent). Chains are immutable. */
export interface WriteRecord {
  readonly before: Entry | undefined
  readonly after: Entry | undefined
}

/** The changed key's bytes: a view into the arena, not to be mutated. */
export function recordKey (record: WriteRecord): Uint8Array {
  return (record.after ?? record.before)!.key
}

/** The sibling a read returns: the greatest (hlc, replica id). */
export function winner (head: Entry): Entry {
  let best = head
  for (let entry = head.next; entry != null; entry = entry.next) {
    if (compareEntries(entry, best) > 0) best = entry
  }
  return best
}
