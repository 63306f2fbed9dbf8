import { InvalidArgumentError, InvalidMessageError } from '../../store/errors.ts'
import { MAX_COUNTER } from '../../store/hlc.ts'
import { MAX_KEY_BYTES, MAX_SEQ, MAX_VALUE_BYTES, MAX_WRITERS_PER_MESSAGE } from '../../store/limits.ts'
import { TAG_BYTES } from '../../store/writer-keys/batch-digest.ts'
import type { ByteReader } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { readReplicaTable, writeHeader, writeReplicaId, type MessageType } from './header.ts'
import type { Dot, Hlc, Op, ReplicaId, SignedBatch } from '../../store/types.ts'

// The ops themselves, as signed sections (ops-codec.ts) and unsigned messages
// (unsigned-ops-codec.ts) both carry them; the two differ only in whether a removal carries its
// tag. Grammar in ./README.md. Flags of an op:
const SET = 0x01
const HAS_REMOVES = 0x02
const NEW_HLC = 0x04
const HAS_COUNTER = 0x08
/** The seq is the previous set's plus one (a transaction's dots are contiguous): no seq field. */
const SEQ_NEXT = 0x10
const WRITER_SHIFT = 5
const WRITER_ESCAPE = 7

/** An op that removes nothing (most sets) shares this frozen list. */
const NO_REMOVES: readonly Dot[] = Object.freeze([])

/** Writes ops, seqs and clocks as deltas from the previous set's; `tagged`: removals carry tags. */
export function writeOpBodies (writer: ByteWriter, ops: readonly Op[], table: ReplicaTable, tagged: boolean): void {
  let previousSeq = 0
  let previousHlc: Hlc | undefined
  for (const op of ops) {
    let flags = op.removes.length > 0 ? HAS_REMOVES : 0
    let writerIndex = 0
    const newHlc = op.kind === 'set' && (previousHlc == null || previousHlc.wall !== op.hlc.wall || previousHlc.counter !== op.hlc.counter)
    if (op.kind === 'set') {
      writerIndex = table.get(op.dot.replica)!
      flags |= SET | (Math.min(writerIndex, WRITER_ESCAPE) << WRITER_SHIFT)
      if (newHlc) flags |= NEW_HLC | (op.hlc.counter !== 0 ? HAS_COUNTER : 0)
      if (op.dot.seq === previousSeq + 1) flags |= SEQ_NEXT
    }
    writer.u8(flags)
    if (op.kind === 'set' && writerIndex >= WRITER_ESCAPE) writer.varint(writerIndex - WRITER_ESCAPE)
    writer.bytes(op.key)
    if (op.kind === 'set') {
      writer.bytes(op.value)
      if ((flags & SEQ_NEXT) === 0) writer.varint(op.dot.seq)
      previousSeq = op.dot.seq
      if (newHlc) {
        writer.u48(op.hlc.wall)
        if (op.hlc.counter !== 0) writer.varint(op.hlc.counter)
        previousHlc = op.hlc
      }
    }
    if (op.removes.length > 0) {
      writer.varint(op.removes.length)
      for (const dot of op.removes) {
        writer.varint(table.get(dot.replica)!)
        writer.varint(dot.seq)
        if (!tagged) continue
        if (dot.tag?.byteLength !== TAG_BYTES) throw new InvalidArgumentError(`a removal of ${dot.replica}:${dot.seq} without its ${TAG_BYTES}-byte tag`)
        writer.raw(dot.tag)
      }
    }
  }
}

/** Where decoded ops go and what they belong to. */
export interface OpBodiesRead {
  /** How many ops to read; `undefined`: until the message ends. */
  readonly count?: number
  /** The message's replica table (see {@link readOpsTable}). */
  readonly replicas: readonly ReplicaId[]
  /** The signed batch they belong to (removals then carry tags); `undefined`: unsigned ops. */
  readonly batch?: SignedBatch
  /** The writer a signed section names: its sets must be that writer's. */
  readonly sectionWriter?: number
  /** What the ops are read from, for errors: "batch" or "message". */
  readonly within: string
}

/**
 * Reads and fully validates ops written by {@link writeOpBodies}, appending them to `ops`:
 * returns `ops`, or with none given, an array made with the first op (pushed onto from empty, an
 * array takes room for 17, where most messages hold one op), or `[]` if none was read.
 */
export function readOpBodies (reader: ByteReader, read: OpBodiesRead, ops?: Op[]): Op[] {
  const { replicas, batch, sectionWriter } = read
  const tagged = batch != null
  let previousSeq = 0
  let previousHlc: Hlc | undefined
  for (let n = 0; read.count === undefined ? reader.remaining > 0 : n < read.count; n++) {
    const flags = reader.u8('op flags')
    const isSet = (flags & SET) !== 0
    if (!isSet && (flags & ~HAS_REMOVES) !== 0) throw new InvalidMessageError(`invalid delete flags ${flags}`)
    let writer = flags >>> WRITER_SHIFT
    if (isSet && writer === WRITER_ESCAPE) writer += reader.varint('writer index')
    if (isSet && sectionWriter !== undefined && writer !== sectionWriter) throw new InvalidMessageError('a set in a batch of another writer')
    const key = reader.bytesField('key', MAX_KEY_BYTES)
    let value: Uint8Array | undefined
    let dot: Dot | undefined
    let hlc: Hlc | undefined
    if (isSet) {
      value = reader.bytesField('value', MAX_VALUE_BYTES)
      const seq = (flags & SEQ_NEXT) !== 0 ? previousSeq + 1 : reader.varint('seq', MAX_SEQ)
      if (seq < 1 || seq > MAX_SEQ) throw new InvalidMessageError(`invalid seq ${seq}`)
      previousSeq = seq
      dot = { replica: replicaAt(replicas, writer), seq }
      if ((flags & NEW_HLC) !== 0) {
        const wall = reader.u48('hlc wall')
        const counter = (flags & HAS_COUNTER) !== 0 ? reader.varint('hlc counter', MAX_COUNTER) : 0
        previousHlc = { wall, counter }
      } else if ((flags & HAS_COUNTER) !== 0) {
        throw new InvalidMessageError('an hlc counter without an hlc')
      }
      if (previousHlc == null) throw new InvalidMessageError(`the first set of a ${read.within} must carry its hlc`)
      hlc = previousHlc
    }
    let removes: readonly Dot[] = NO_REMOVES
    if ((flags & HAS_REMOVES) !== 0) {
      const dots: Dot[] = []
      const removeCount = reader.varint('remove count', Math.floor(reader.remaining / (tagged ? 2 + TAG_BYTES : 2)))
      if (removeCount === 0) throw new InvalidMessageError('an empty remove list must be left out')
      for (let i = 0; i < removeCount; i++) {
        const replica = replicaAt(replicas, reader.varint('remove replica index'))
        const seq = reader.varint('remove seq', MAX_SEQ)
        if (seq < 1) throw new InvalidMessageError('invalid removed seq 0')
        dots.push(tagged ? { replica, seq, tag: reader.raw(TAG_BYTES, 'removal tag').slice() } : { replica, seq })
      }
      removes = dots
    }
    const op: Op = batch == null
      ? isSet ? { kind: 'set', key, value: value!, dot: dot!, hlc: hlc!, removes } : { kind: 'delete', key, removes }
      : isSet ? { kind: 'set', key, value: value!, dot: dot!, hlc: hlc!, removes, batch } : { kind: 'delete', key, removes, batch }
    if (ops === undefined) ops = [op]
    else ops.push(op)
  }
  return ops ?? []
}

/** Tables up to this many writers are scanned; a longer one gets a `Map`. */
const SCANNED_WRITERS = 8

/**
 * A replica table built as ops name writers: index by first appearance. Most messages name one
 * writer or two, where a scan of the same few strings beats a `Map` (170 bytes made per message).
 */
export class ReplicaTable {
  /** Made with its first id (pushed onto from empty, an array takes room for 17). */
  #ids: ReplicaId[] | undefined
  #map: Map<ReplicaId, number> | undefined

  /** The ids, by index. */
  get ids (): readonly ReplicaId[] {
    return this.#ids ?? []
  }

  get size (): number {
    return this.#ids?.length ?? 0
  }

  /** The index of `id`, or undefined if the table does not hold it. */
  get (id: ReplicaId): number | undefined {
    if (this.#map !== undefined) return this.#map.get(id)
    const ids = this.#ids
    if (ids !== undefined) for (let i = 0; i < ids.length; i++) if (ids[i] === id) return i
    return undefined
  }

  /** The index of `id`, added if new. */
  index (id: ReplicaId): number {
    let i = this.get(id)
    if (i !== undefined) return i
    const ids = this.#ids
    if (ids === undefined) {
      this.#ids = [id]
      return 0
    }
    i = ids.push(id) - 1
    if (this.#map !== undefined) this.#map.set(id, i)
    else if (i >= SCANNED_WRITERS) this.#map = new Map(ids.map((known, at) => [known, at]))
    return i
  }
}

/** A writer holding an ops message's header and replica table; `payload` sizes its buffer. */
export function startOpsMessage (type: typeof MessageType.ops | typeof MessageType.unsignedOps, table: ReplicaTable, payload: number): ByteWriter {
  if (table.size > MAX_WRITERS_PER_MESSAGE) throw new InvalidArgumentError(`ops naming ${table.size} writers: one message names at most ${MAX_WRITERS_PER_MESSAGE}`)
  const writer = new ByteWriter(payload + 4 + table.size * 16)
  writeHeader(writer, type)
  writer.varint(table.size)
  for (const id of table.ids) writeReplicaId(writer, id)
  return writer
}

/** Reads an ops message's replica table (after its header), which its ops name writers by index in ({@link replicaAt}). */
export function readOpsTable (reader: ByteReader): ReplicaId[] {
  return readReplicaTable(reader, MAX_WRITERS_PER_MESSAGE)
}

/** The writer at index `i` of an ops message's replica table. */
export function replicaAt (replicas: readonly ReplicaId[], i: number): ReplicaId {
  if (i >= replicas.length) throw new InvalidMessageError(`replica index ${i} outside a table of ${replicas.length}`)
  return replicas[i]
}
