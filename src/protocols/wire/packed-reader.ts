import { MAX_SEQ } from '../../store/clock-set.ts'
import { InvalidMessageError } from '../../store/errors.ts'
import { MAX_COUNTER } from '../../store/hlc.ts'
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../../store/limits.ts'
import { ByteReader } from './byte-reader.ts'
import { unzigzag } from './byte-writer.ts'
import type { DiffEntry, PackedEntries } from '../../store/diff.ts'
import type { Hlc } from '../../store/types.ts'

const ZERO_HLC: Hlc = Object.freeze({ wall: 0, counter: 0 })

/** Reads a group's entries in place; {@link next} checks each one as it goes. */
export class PackedReader implements PackedEntries {
  readonly bytes: Uint8Array
  readonly count: number
  readonly #start: number
  #reader: ByteReader
  #read = 0
  keyStart = 0
  keyLength = 0
  valueStart = 0
  valueLength = 0
  seq = 0
  /** A new object whenever the clock changes, shared by the entries in between. */
  hlc: Hlc = ZERO_HLC

  constructor (bytes: Uint8Array, start: number, count: number) {
    this.bytes = bytes
    this.#start = start
    this.count = count
    this.#reader = new ByteReader(bytes)
    this.rewind()
  }

  /** Where the entries end (after a full pass). */
  get position (): number {
    return this.#reader.pos
  }

  rewind (): void {
    this.#reader.pos = this.#start
    this.#read = 0
    this.seq = 0
    this.hlc = ZERO_HLC
  }

  next (): boolean {
    if (this.#read === this.count) return false
    const reader = this.#reader
    this.seq += reader.varint('seq delta') + 1
    if (this.seq > MAX_SEQ) throw new InvalidMessageError(`seq ${this.seq} beyond the largest seq (2^48 - 1)`)
    this.keyLength = reader.varint('key length', MAX_KEY_BYTES)
    this.valueLength = reader.varint('value length', MAX_VALUE_BYTES)
    this.keyStart = reader.pos
    this.valueStart = this.keyStart + this.keyLength
    reader.skip(this.keyLength + this.valueLength, 'key and value')
    const tag = reader.varint('hlc tag')
    if (tag !== 0) {
      const wall = this.hlc.wall + unzigzag(tag - 1)
      if (wall < 0 || wall > 2 ** 48 - 1) throw new InvalidMessageError(`hlc wall ${wall} out of range`)
      this.hlc = { wall, counter: reader.varint('hlc counter', MAX_COUNTER) }
    }
    this.#read++
    return true
  }

  /** The entries as objects, for readers other than the store; keys and values are views into the message. */
  toEntries (): DiffEntry[] {
    const cursor = new PackedReader(this.bytes, this.#start, this.count)
    const entries: DiffEntry[] = []
    while (cursor.next()) {
      entries.push({
        key: this.bytes.subarray(cursor.keyStart, cursor.keyStart + cursor.keyLength),
        value: this.bytes.subarray(cursor.valueStart, cursor.valueStart + cursor.valueLength),
        seq: cursor.seq,
        hlc: cursor.hlc
      })
    }
    return entries
  }
}
