import type { Codec } from './codecs.ts'
import { bytesToKeyString } from './key-string.ts'
import { recordKey, winner, type WriteRecord } from './write-record.ts'

/** One key that a commit or an integration changed, with its value afterwards (`undefined`: gone). */
export interface Change<K, V> {
  readonly key: K
  readonly value: V | undefined
}

/**
 * Fired once per local commit (`origin: 'local'`) or remote integration (`'remote'`) that
 * changed anything. `changes` is decoded on first read, so a listener that does not look pays
 * nothing; it describes the store as it was right after that commit.
 */
export class ChangeEvent<K, V> extends Event {
  readonly origin: 'local' | 'remote'
  private readonly records: readonly WriteRecord[]
  private readonly keys: Codec<K>
  private readonly values: Codec<V>
  private decoded: Array<Change<K, V>> | undefined

  constructor (origin: 'local' | 'remote', records: readonly WriteRecord[], keys: Codec<K>, values: Codec<V>) {
    super('change')
    this.origin = origin
    this.records = records
    this.keys = keys
    this.values = values
  }

  /** Each changed key once, in the order first changed. */
  get changes (): ReadonlyArray<Change<K, V>> {
    if (this.decoded == null) {
      // Map keeps a key where it was first set, and takes the last record's value.
      const last = new Map<string, WriteRecord>()
      for (const record of this.records) last.set(bytesToKeyString(recordKey(record)), record)
      this.decoded = [...last.values()].map((record) => ({
        // A copy: the key's bytes in the arena are the store's.
        key: this.keys.decode(recordKey(record).slice()),
        value: record.after == null ? undefined : this.values.decode(winner(record.after).value)
      }))
    }
    return this.decoded
  }
}
