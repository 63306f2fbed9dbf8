import { ClockSet } from '../../store/clock-set.ts'
import { MAX_SUSPECTS } from '../../store/death-suspects.ts'
import { InvalidMessageError } from '../../store/errors.ts'
import { MAX_SEQ } from '../../store/limits.ts'
import { REPLICA_ID_BYTES } from '../../store/replica-id.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { MessageType, readHeader, readReplicaId, writeHeader, writeReplicaId } from './header.ts'
import type { DiffRequest, ReplicaRange, ReplicaSummary } from '../../store/diff.ts'

const FULL = 0x01
const HAS_HASH = 0x02
const HAS_FROM = 0x04
const HAS_TO = 0x08
const NARROW_DEATHS = 0x10
const HAS_SUSPECTS = 0x20
const HAS_CONTENT = 0x40
/** Evidence in full: tags written out, and the suspects' deaths with the proof of the entry removed. */
const FULL_EVIDENCE = 0x80
const STATE_HASH_BYTES = 12
const DIGEST_BYTES = 8
/** The smallest encoded replica summary: id, digest, and a one-byte seen range. */
const MIN_SUMMARY_BYTES = REPLICA_ID_BYTES + DIGEST_BYTES + 1
/** Header, flags, hash, both range bounds and the count, at most. */
const PAGE_OVERHEAD = 2 + 1 + STATE_HASH_BYTES + 2 * REPLICA_ID_BYTES + 8

/**
 * The largest diff request page a peer sends: a store that knows more writers than fit splits its
 * request into pages by writer id ({@link encodeDiffRequestPages}), so every responder whose
 * `maxRequestBytes` is at least this serves it, however many writers the requester knows.
 */
export const MAX_REQUEST_PAGE_BYTES = 256 * 1024

/** N when `seen` is exactly the seqs 1..N (a writer whose every write arrived), else 0. */
function contiguousMax (seen: ClockSet): number {
  const max = seen.max()
  return max != null && seen.min() === 1 && seen.size === max ? max : 0
}

/** One writer's summary as it goes on the wire. */
function writeSummary (writer: ByteWriter, summary: ReplicaSummary, seen: Uint8Array | undefined, content: boolean): void {
  writeReplicaId(writer, summary.replica)
  writer.raw(summary.liveDigest)
  if (content) writer.raw(summary.contentDigest!)
  // Most writers' seen sets are one run from 1: its end is a varint, not a bitmap.
  const max = seen == null ? contiguousMax(summary.seen) : 0
  writer.varint(max)
  if (max === 0) writer.raw(seen ?? summary.seen.serialize())
}

/**
 * The summaries' suspects that go on the wire, by index: the non-empty ones, in order, until
 * their seqs would exceed what a decoder takes (the rest are left out: asking for more is safe).
 */
function suspectsToSend (summaries: readonly ReplicaSummary[]): Array<[number, ClockSet]> {
  const chosen: Array<[number, ClockSet]> = []
  let total = 0
  summaries.forEach((summary, i) => {
    const suspects = summary.suspects
    if (suspects == null || suspects.isEmpty || total + suspects.size > MAX_SUSPECTS) return
    total += suspects.size
    chosen.push([i, suspects])
  })
  return chosen
}

function writeRequest (request: DiffRequest, summaries: readonly ReplicaSummary[] | undefined, seens: ReadonlyArray<Uint8Array | undefined> | undefined, sizeHint: number): Uint8Array<ArrayBuffer> {
  const suspects = summaries == null ? [] : suspectsToSend(summaries)
  const suspectBytes = suspects.map(([, set]) => set.serialize())
  const writer = new ByteWriter(sizeHint + suspectBytes.reduce((sum, bytes) => sum + bytes.byteLength + 8, 0))
  writeHeader(writer, MessageType.diffRequest)
  const { from, to } = request.range ?? {}
  const narrow = summaries != null && request.narrowDeaths === true
  // Content digests go when every summary has one (a store's own requests), else none does.
  const content = summaries != null && summaries.length > 0 && summaries.every((summary) => summary.contentDigest?.byteLength === DIGEST_BYTES)
  writer.u8((summaries != null ? FULL : 0) | (request.stateHash != null ? HAS_HASH : 0) | (from != null ? HAS_FROM : 0) | (to != null ? HAS_TO : 0) |
    (narrow ? NARROW_DEATHS : 0) | (suspects.length > 0 ? HAS_SUSPECTS : 0) | (content ? HAS_CONTENT : 0) |
    (summaries != null && request.fullEvidence === true ? FULL_EVIDENCE : 0))
  if (request.stateHash != null) writer.raw(request.stateHash)
  if (from != null) writeReplicaId(writer, from)
  if (to != null) writeReplicaId(writer, to)
  if (summaries == null) return writer.finish()
  writer.varint(summaries.length)
  summaries.forEach((summary, i) => { writeSummary(writer, summary, seens?.[i], content) })
  if (suspects.length === 0) return writer.finish()
  writer.varint(suspects.length)
  suspects.forEach(([index], i) => {
    writer.varint(index)
    writer.raw(suspectBytes[i])
  })
  return writer.finish()
}

export function encodeDiffRequest (request: DiffRequest): Uint8Array<ArrayBuffer> {
  return writeRequest(request, request.replicas, undefined, PAGE_OVERHEAD + (request.replicas?.length ?? 0) * 72)
}

/**
 * A full request as one message, or, when it would exceed `maxBytes`, as pages by writer id,
 * each at most `maxBytes`: together they cover every writer id once, so a responder answers for
 * writers the requester has never seen exactly once too. A page leaves the state hash out. A
 * writer whose seen set alone would not fit claims to have seen none of it (asking for more than
 * it lacks is always safe).
 */
export function encodeDiffRequestPages (request: DiffRequest, maxBytes = MAX_REQUEST_PAGE_BYTES): Array<Uint8Array<ArrayBuffer>> {
  const whole = encodeDiffRequest(request)
  if (whole.byteLength <= maxBytes || request.replicas == null) return [whole]
  const sorted = [...request.replicas].sort((a, b) => a.replica < b.replica ? -1 : a.replica > b.replica ? 1 : 0)
  const budget = maxBytes - PAGE_OVERHEAD
  const pages: Array<{ summaries: ReplicaSummary[], seens: Array<Uint8Array | undefined>, bytes: number }> = []
  let page = { summaries: [] as ReplicaSummary[], seens: [] as Array<Uint8Array | undefined>, bytes: 0 }
  for (let summary of sorted) {
    const max = contiguousMax(summary.seen)
    let seen = max === 0 ? summary.seen.serialize() : undefined
    let bytes = MIN_SUMMARY_BYTES + DIGEST_BYTES + 8 + (seen?.byteLength ?? 0)
    if (bytes > budget) {
      seen = EMPTY_SET
      bytes = MIN_SUMMARY_BYTES + DIGEST_BYTES + EMPTY_SET.byteLength
    }
    // Suspects that do not fit beside their summary are left out: the responder then sends every death.
    const suspectBytes = summary.suspects == null || summary.suspects.isEmpty ? 0 : summary.suspects.serialize().byteLength + 16
    if (suspectBytes > 0 && bytes + suspectBytes <= budget) bytes += suspectBytes
    else if (suspectBytes > 0) summary = withoutSuspects(summary)
    if (page.bytes + bytes > budget && page.summaries.length > 0) {
      pages.push(page)
      page = { summaries: [], seens: [], bytes: 0 }
    }
    page.summaries.push(summary)
    page.seens.push(seen)
    page.bytes += bytes
  }
  pages.push(page)
  return pages.map((p, i) => {
    const range: ReplicaRange = {
      ...(i > 0 ? { from: p.summaries[0].replica } : {}),
      ...(i < pages.length - 1 ? { to: pages[i + 1].summaries[0].replica } : {})
    }
    return writeRequest({ range, ...(request.narrowDeaths === true ? { narrowDeaths: true } : {}) }, p.summaries, p.seens, p.bytes + PAGE_OVERHEAD)
  })
}

function withoutSuspects ({ replica, seen, liveDigest, contentDigest }: ReplicaSummary): ReplicaSummary {
  return contentDigest == null ? { replica, seen, liveDigest } : { replica, seen, liveDigest, contentDigest }
}

const EMPTY_SET = new ClockSet().serialize()

export function decodeDiffRequest (bytes: Uint8Array): DiffRequest {
  if (!(bytes instanceof Uint8Array)) throw new InvalidMessageError('a diff request is a Uint8Array')
  const reader = new ByteReader(bytes)
  readHeader(reader, MessageType.diffRequest, 'diff request')
  const flags = reader.u8('request flags')
  if ((flags & ~(FULL | HAS_HASH | HAS_FROM | HAS_TO | NARROW_DEATHS | HAS_SUSPECTS | HAS_CONTENT | FULL_EVIDENCE)) !== 0 || (flags & (FULL | HAS_HASH)) === 0 ||
    ((flags & FULL) === 0 && (flags & (NARROW_DEATHS | HAS_SUSPECTS | HAS_CONTENT | FULL_EVIDENCE)) !== 0)) throw new InvalidMessageError(`invalid request flags ${flags}`)
  const stateHash = (flags & HAS_HASH) !== 0 ? reader.raw(STATE_HASH_BYTES, 'state hash') : undefined
  const from = (flags & HAS_FROM) !== 0 ? readReplicaId(reader) : undefined
  const to = (flags & HAS_TO) !== 0 ? readReplicaId(reader) : undefined
  if (from != null && to != null && from >= to) throw new InvalidMessageError('an empty replica range')
  const range = from != null || to != null ? { range: { ...(from != null ? { from } : {}), ...(to != null ? { to } : {}) } } : {}
  if ((flags & FULL) === 0) {
    reader.end()
    return { stateHash, ...range }
  }
  const count = reader.varint('replica count', Math.floor(reader.remaining / MIN_SUMMARY_BYTES))
  const replicas: ReplicaSummary[] = []
  const distinct = new Set<string>()
  try {
    for (let i = 0; i < count; i++) {
      const replica = readReplicaId(reader)
      if (distinct.has(replica)) throw new InvalidMessageError(`replica ${replica} appears twice in a diff request`)
      if ((from != null && replica < from) || (to != null && replica >= to)) throw new InvalidMessageError(`replica ${replica} outside the request's range`)
      distinct.add(replica)
      const liveDigest = reader.raw(DIGEST_BYTES, 'live digest')
      const contentDigest = (flags & HAS_CONTENT) !== 0 ? reader.raw(DIGEST_BYTES, 'content digest') : undefined
      const max = reader.varint('seen range', MAX_SEQ)
      let seen: ClockSet
      if (max > 0) {
        // A claim, not a set to build: the responder reads it only against what it knows.
        seen = new ClockSet()
        seen.addRange(1, max + 1)
      } else {
        const { set, length } = ClockSet.read(reader.bytes, reader.pos)
        reader.pos += length
        seen = set
      }
      replicas.push(contentDigest == null ? { replica, seen, liveDigest } : { replica, seen, liveDigest, contentDigest })
    }
    if ((flags & HAS_SUSPECTS) !== 0) readSuspects(reader, replicas)
    reader.end()
  } catch (err) {
    for (const summary of replicas) {
      summary.seen.dispose()
      summary.suspects?.dispose()
    }
    throw err
  }
  return { stateHash, replicas, ...range, ...((flags & NARROW_DEATHS) !== 0 ? { narrowDeaths: true } : {}), ...((flags & FULL_EVIDENCE) !== 0 ? { fullEvidence: true } : {}) }
}

/**
 * The suspects section: which summaries have suspects (ascending indices), and each set. Every
 * set is non-empty, of seqs from 1, and all of them together hold at most {@link MAX_SUSPECTS}
 * seqs: the responder hashes each one it knows dead, so this bounds a request's cost whatever
 * its bitmaps claim in a few bytes.
 */
function readSuspects (reader: ByteReader, replicas: ReplicaSummary[]): void {
  const count = reader.varint('suspect count', replicas.length)
  if (count === 0) throw new InvalidMessageError('a suspects section with no suspects')
  let total = 0
  let previous = -1
  for (let i = 0; i < count; i++) {
    const index = reader.varint('suspects index', replicas.length - 1)
    if (index <= previous) throw new InvalidMessageError('suspects indices must ascend')
    previous = index
    const { set, length } = ClockSet.read(reader.bytes, reader.pos)
    reader.pos += length
    total += set.size
    const wrong = set.isEmpty || set.min()! < 1 ? 'suspects must be non-empty seqs from 1' : total > MAX_SUSPECTS ? `more than ${MAX_SUSPECTS} suspects in a diff request` : undefined
    if (wrong != null) {
      set.dispose()
      throw new InvalidMessageError(wrong)
    }
    replicas[index] = { ...replicas[index], suspects: set }
  }
}
