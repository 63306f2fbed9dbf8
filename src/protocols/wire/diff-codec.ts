import { ClockSet } from '../../store/clock-set.ts'
import { InvalidArgumentError, InvalidMessageError } from '../../store/errors.ts'
import { REPLICA_ID_BYTES } from '../../store/replica-id.ts'
import { markDecoded, type Decoded } from '../../store/validate.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter, zigzag } from './byte-writer.ts'
import { readEvidence, writeEvidence } from './evidence-codec.ts'
import { MIN_PROOF_BYTES, readProofs, writeProofs } from './proof-codec.ts'
import { MessageType, readHeader, readReplicaId, writeHeader, writeReplicaId } from './header.ts'
import { PackedReader } from './packed-reader.ts'
import type { BatchProof, Diff, DiffEntry, DiffGroup, RemovalEvidence } from '../../store/diff.ts'
import type { ReplicaId, WriterCard } from '../../store/types.ts'

const NEEDS_FULL_REQUEST = 0x01
const DEATHS_WITHHELD = 0x02
/** Built by a store with `writerKeys: false`: groups carry no card and no proofs. */
const UNSIGNED = 0x04
/** The removals that caused the frame's deaths follow the groups. */
const HAS_EVIDENCE = 0x08
/** Smallest entry: seq, empty key, empty value, hlc tag. */
const MIN_ENTRY_BYTES = 4
const CARD_BYTES = 48
/** The card of a group of deaths only, whose writer the requester already knows. */
const NO_CARD = { publicKey: new Uint8Array(32), nonce: new Uint8Array(16) }
const MIN_GROUP_BYTES = REPLICA_ID_BYTES + CARD_BYTES + 3
const MIN_UNSIGNED_GROUP_BYTES = REPLICA_ID_BYTES + 2
/** A group's flags: deaths follow; proofs of equivocations follow. */
const HAS_DEATHS = 0x01
const HAS_EQUIVOCATIONS = 0x02
/** Both proofs of each equivocation a store keeps per writer (MAX_EQUIVOCATIONS_KEPT). */
const MAX_EQUIVOCATION_PROOFS = 128

/**
 * Encodes a diff or one frame of it. Within a group seqs ascend, so seqs and clocks go as small
 * deltas. A message up to 2 KiB shares its `buffer` with others, as {@link encodeOps} explains.
 */
export function encodeDiff (diff: Diff): Uint8Array<ArrayBuffer> {
  let payload = 8
  for (const group of diff.groups) {
    payload += 24 + CARD_BYTES
    for (const proof of [...group.proofs ?? [], ...group.equivocationProofs ?? []]) payload += MIN_PROOF_BYTES + 8 + proof.leaves.byteLength
    for (const entry of group.entries) {
      const source = entry.source
      payload += (source != null ? source.keyLength + source.valueLength : entry.key.byteLength + entry.value.byteLength) + 8
    }
  }
  const writer = new ByteWriter(payload)
  writeHeader(writer, MessageType.diff)
  const unsigned = diff.unsigned === true
  const evidence = diff.evidence ?? []
  if (unsigned && evidence.length > 0) throw new InvalidArgumentError('an unsigned diff cannot carry evidence of deaths')
  writer.u8((diff.needsFullRequest ? NEEDS_FULL_REQUEST : 0) | (diff.deathsWithheld === true ? DEATHS_WITHHELD : 0) | (unsigned ? UNSIGNED : 0) | (evidence.length > 0 ? HAS_EVIDENCE : 0))
  writer.varint(diff.groups.length)
  for (const group of diff.groups) {
    if (unsigned) {
      if (group.card != null || (group.proofs?.length ?? 0) > 0 || (group.equivocationProofs?.length ?? 0) > 0) throw new InvalidArgumentError(`an unsigned diff cannot carry the card or proofs of ${group.replica}`)
    } else if ((group.card == null || group.proofs == null) && group.entries.length > 0) {
      throw new InvalidArgumentError(`a diff group of ${group.replica} without its writer's card and proofs cannot be sent`)
    }
    writeReplicaId(writer, group.replica)
    if (!unsigned) {
      writer.raw(group.card?.publicKey ?? NO_CARD.publicKey)
      writer.raw(group.card?.nonce ?? NO_CARD.nonce)
    }
    writer.varint(group.entries.length)
    let previousSeq = 0
    let previousWall = 0
    let previousCounter = 0
    for (const entry of group.entries) {
      if (entry.seq <= previousSeq) throw new InvalidMessageError('diff entries must ascend by seq within a group')
      writer.varint(entry.seq - previousSeq - 1)
      previousSeq = entry.seq
      // The store's own entries (what it builds diffs of) keep key and value side by side, as
      // the wire does: one copy straight from the arena.
      let wall: number
      let counter: number
      const source = entry.source
      if (source != null) {
        writer.varint(source.keyLength)
        writer.varint(source.valueLength)
        writer.range(source.chunk, source.offset, source.keyLength + source.valueLength)
        wall = source.wall
        counter = source.counter
      } else {
        writer.varint(entry.key.byteLength)
        writer.varint(entry.value.byteLength)
        writer.raw(entry.key)
        writer.raw(entry.value)
        ;({ wall, counter } = entry.hlc)
      }
      if (wall === previousWall && counter === previousCounter) {
        writer.u8(0)
      } else {
        writer.varint(zigzag(wall - previousWall) + 1)
        writer.varint(counter)
        previousWall = wall
        previousCounter = counter
      }
    }
    if (!unsigned) writeProofs(writer, group.proofs ?? [], group.entries.map((entry) => entry.seq))
    const hasDeaths = group.deaths != null && !group.deaths.isEmpty
    const equivocations = group.equivocationProofs ?? []
    if (equivocations.length > MAX_EQUIVOCATION_PROOFS) throw new InvalidArgumentError(`more than ${MAX_EQUIVOCATION_PROOFS} equivocation proofs in a diff group`)
    writer.u8((hasDeaths ? HAS_DEATHS : 0) | (equivocations.length > 0 ? HAS_EQUIVOCATIONS : 0))
    if (hasDeaths) writer.raw(group.deaths!.serialize())
    if (equivocations.length > 0) {
      writer.varint(equivocations.length)
      for (const proof of equivocations) writeProofs(writer, [proof], [])
    }
  }
  if (evidence.length > 0) writeEvidence(writer, evidence)
  return writer.finish()
}

/** A decoded group: its entries stay packed until someone asks for them as objects. */
class DecodedGroup implements DiffGroup {
  readonly replica: ReplicaId
  readonly card?: WriterCard
  readonly proofs?: readonly BatchProof[]
  readonly packed: PackedReader
  readonly deaths?: ClockSet
  readonly equivocationProofs?: readonly BatchProof[]
  #entries: DiffEntry[] | undefined

  constructor (replica: ReplicaId, card: WriterCard | undefined, proofs: readonly BatchProof[] | undefined, packed: PackedReader, deaths: ClockSet | undefined, equivocationProofs: readonly BatchProof[] | undefined) {
    this.replica = replica
    if (card != null) this.card = card
    if (proofs != null) this.proofs = proofs
    this.packed = packed
    if (deaths != null) this.deaths = deaths
    if (equivocationProofs != null) this.equivocationProofs = equivocationProofs
  }

  get entries (): readonly DiffEntry[] {
    this.#entries ??= this.packed.toEntries()
    return this.#entries
  }
}

/** How many entries a group holds, without unpacking a decoded one. */
export function entryCount (group: DiffGroup): number {
  return group.packed?.count ?? group.entries.length
}

/** `unsigned`: a group of a diff of a store with `writerKeys: false`, with no card or proofs. */
function readGroup (reader: ByteReader, unsigned: boolean): DiffGroup {
  const replica = readReplicaId(reader)
  const card = unsigned ? undefined : { publicKey: reader.raw(32, 'writer public key').slice(), nonce: reader.raw(16, 'writer nonce').slice() }
  const count = reader.varint('entry count', Math.floor(reader.remaining / MIN_ENTRY_BYTES))
  const packed = new PackedReader(reader.bytes, reader.pos, count)
  // One pass checks every entry; the store reads them again in place when it integrates.
  // The seqs tell the proofs which leaves the frame leaves out: an unsigned group has none.
  const seqs: number[] = []
  while (packed.next()) if (!unsigned) seqs.push(packed.seq)
  reader.pos = packed.position
  packed.rewind()
  const proofs = unsigned ? undefined : readProofs(reader, seqs)
  const flags = reader.u8('group flags')
  if ((flags & ~(unsigned ? HAS_DEATHS : HAS_DEATHS | HAS_EQUIVOCATIONS)) !== 0) throw new InvalidMessageError(`invalid group flags ${flags}`)
  let deaths: ClockSet | undefined
  if ((flags & HAS_DEATHS) !== 0) {
    const { set, length } = ClockSet.read(reader.bytes, reader.pos)
    reader.pos += length
    if (set.isEmpty || set.min()! < 1) {
      set.dispose()
      throw new InvalidMessageError('deaths must be non-empty seqs from 1')
    }
    deaths = set
  }
  let equivocations: BatchProof[] | undefined
  if ((flags & HAS_EQUIVOCATIONS) !== 0) {
    try {
      equivocations = readEquivocationProofs(reader)
    } catch (err) {
      deaths?.dispose()
      throw err
    }
  }
  return new DecodedGroup(replica, card, proofs, packed, deaths, equivocations)
}

/** Proofs sent whole, each one on its own (they may overlap): at least one, at most {@link MAX_EQUIVOCATION_PROOFS}. */
function readEquivocationProofs (reader: ByteReader): BatchProof[] {
  const count = reader.varint('equivocation proof count', Math.min(MAX_EQUIVOCATION_PROOFS, Math.floor(reader.remaining / MIN_PROOF_BYTES)))
  if (count === 0) throw new InvalidMessageError('an equivocations section with no proofs')
  const proofs: BatchProof[] = []
  for (let i = 0; i < count; i++) {
    const one = readProofs(reader, [])
    if (one.length !== 1) throw new InvalidMessageError('an equivocation proof is one proof')
    proofs.push(one[0])
  }
  return proofs
}

/**
 * Decodes and fully validates a diff (or frame); throws {@link InvalidMessageError} on anything
 * else. Keys and values are views into `bytes`, as with {@link decodeOps}.
 */
export function decodeDiff (bytes: Uint8Array): Decoded<Diff> {
  if (!(bytes instanceof Uint8Array)) throw new InvalidMessageError('a diff is a Uint8Array')
  // One copy of the whole message, which the store then keeps its new entries in: cheaper than
  // a copy per entry, and the caller may reuse its buffer.
  const own = new Uint8Array(bytes.byteLength)
  own.set(bytes)
  const reader = new ByteReader(own)
  readHeader(reader, MessageType.diff, 'diff')
  const flags = reader.u8('diff flags')
  if ((flags & ~(NEEDS_FULL_REQUEST | DEATHS_WITHHELD | UNSIGNED | HAS_EVIDENCE)) !== 0) throw new InvalidMessageError(`invalid diff flags ${flags}`)
  const unsigned = (flags & UNSIGNED) !== 0
  if (unsigned && (flags & HAS_EVIDENCE) !== 0) throw new InvalidMessageError('an unsigned diff with evidence of deaths')
  const count = reader.varint('group count', Math.floor(reader.remaining / (unsigned ? MIN_UNSIGNED_GROUP_BYTES : MIN_GROUP_BYTES)))
  const groups: DiffGroup[] = []
  const distinct = new Set<string>()
  let evidence: RemovalEvidence[] | undefined
  try {
    for (let i = 0; i < count; i++) {
      const group = readGroup(reader, unsigned)
      groups.push(group)
      if (distinct.has(group.replica)) throw new InvalidMessageError(`replica ${group.replica} appears twice in a diff`)
      distinct.add(group.replica)
    }
    if ((flags & HAS_EVIDENCE) !== 0) evidence = readEvidence(reader)
    reader.end()
  } catch (err) {
    for (const group of groups) group.deaths?.dispose()
    throw err
  }
  const needsFullRequest = (flags & NEEDS_FULL_REQUEST) !== 0
  let diff: Diff = (flags & DEATHS_WITHHELD) !== 0 ? { needsFullRequest, groups, deathsWithheld: true } : { needsFullRequest, groups }
  if (evidence != null) diff = { ...diff, evidence }
  return markDecoded(unsigned ? { ...diff, unsigned: true } : diff)
}
