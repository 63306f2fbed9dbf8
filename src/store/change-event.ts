import type { Codec } from './codecs.ts'
import { NO_ROW, type EntryRows } from './entry-rows.ts'
import { bytesToKeyString } from './key-string.ts'
import type { WriteRecords } from './write-record.ts'

/** One key that a commit or an integration changed, with its value afterwards (`undefined`: gone). */
export interface Change<K, V> {
  readonly key: K
  readonly value: V | undefined
}

/**
 * The key of each of `records` with its value right after them, as views into the arena (which
 * stay valid: chunks are append-only). Read before the rows change: they are reused.
 */
export function changedBytes (records: WriteRecords, rows: EntryRows): Array<Change<Uint8Array, Uint8Array>> {
  const changes: Array<Change<Uint8Array, Uint8Array>> = new Array(records.length)
  for (let i = 0; i < records.length; i++) {
    const after = records.after(i)
    changes[i] = { key: records.key(i), value: after === NO_ROW ? undefined : rows.value(rows.winner(after)) }
  }
  return changes
}

/**
 * Fired once per local commit (`origin: 'local'`) or remote integration (`'remote'`) that
 * changed anything. `changes` is decoded on first read, so a listener that does not look pays
 * only for a view of each written key and value; it describes the store as it was right after
 * that commit.
 */
export class ChangeEvent<K, V> extends Event {
  readonly origin: 'local' | 'remote'
  private readonly bytes: ReadonlyArray<Change<Uint8Array, Uint8Array>>
  private readonly keys: Codec<K>
  private readonly values: Codec<V>
  private decoded: Array<Change<K, V>> | undefined

  constructor (origin: 'local' | 'remote', bytes: ReadonlyArray<Change<Uint8Array, Uint8Array>>, keys: Codec<K>, values: Codec<V>) {
    super('change')
    this.origin = origin
    this.bytes = bytes
    this.keys = keys
    this.values = values
  }

  /** Each changed key once, in the order first changed. */
  get changes (): ReadonlyArray<Change<K, V>> {
    if (this.decoded == null) {
      // Map keeps a key where it was first set, and takes the last write's value.
      const last = new Map<string, Change<Uint8Array, Uint8Array>>()
      for (const change of this.bytes) last.set(bytesToKeyString(change.key), change)
      this.decoded = [...last.values()].map(({ key, value }) => ({
        // A copy: the key's bytes in the arena are the store's.
        key: this.keys.decode(key.slice()),
        value: value == null ? undefined : this.values.decode(value)
      }))
    }
    return this.decoded
  }
}
