// Export and import: every live entry of a store as JSON lines, so that data is never trapped in
// our format, and so that a store can be restored from them with the same dots (an entry imported
// into a store that syncs with the mesh is the same write, not a copy).
//
//   {"key":"shopping/milk","value":"2 litres","replica":"5f0e…(32 hex)","seq":12,"hlc":{"wall":1764601234567,"counter":0}}
//
// The first entry of each signed batch also carries `"proof": {"card": base64, "batch": base64}`:
// its writer's card and the batch's proof (first, count, salt, removals digest, signature, leaves),
// without which no store takes the entry (writers are bound to keys).
//
// `key` and `value` are strings when their bytes are UTF-8, else {"base64": "…"}. One line per
// live entry: concurrent writes at a key (siblings) each have their line. Deaths are not exported:
// a store restored from an export learns them from the mesh, as after a salvage.

import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { concat } from 'uint8arrays/concat'
import type { BatchProof, DiffEntry, DiffRequest } from './diff.ts'
import { InvalidArgumentError } from './errors.ts'
import type { ReplicaStore } from './replica-store.ts'
import { assertReplicaId } from './replica-id.ts'
import type { Hlc, ReplicaId, WriterCard } from './types.ts'

/** One live entry with everything needed to restore it exactly: its dot (writer and seq) and its clock. */
export interface ExportedEntry {
  readonly key: Uint8Array
  readonly value: Uint8Array
  /** The replica that wrote it. */
  readonly replica: ReplicaId
  readonly seq: number
  readonly hlc: Hlc
  /** The writer's card and the signed batch the entry belongs to, on the first entry of each batch. */
  readonly proof?: { readonly card: WriterCard, readonly batch: BatchProof }
}

/** Entries integrated per diff while importing. */
const CHUNK = 10_000
/** A request that names no writer: the diff it gets back holds every live entry. */
const EVERYTHING: DiffRequest = { replicas: [] }
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Every live entry of `store`, siblings each on their own, writer by writer. On a LevelStore,
 * `await store.flush()` first: entries whose seqs are not yet covered on disk are left out.
 *
 * @example
 * ```ts
 * for (const entry of exportEntries(store)) out.write(exportLine(entry) + '\n')
 * ```
 */
export function * exportEntries (store: ReplicaStore<any, any>): Generator<ExportedEntry> {
  for (const frame of store.buildDiffFrames(EVERYTHING, { maxFrameBytes: 1 << 20 })) {
    for (const group of frame.groups) {
      group.deaths?.dispose()
      const proofs = group.proofs ?? []
      let at = 0
      let sent = -1
      for (const entry of group.entries) {
        while (at < proofs.length && entry.seq >= proofs[at].first + proofs[at].count) at++
        const batch = proofs[at]
        const proof = group.card != null && batch != null && sent !== at && entry.seq >= batch.first ? { card: group.card, batch } : undefined
        if (proof != null) sent = at
        yield { key: entry.key, value: entry.value, replica: group.replica, seq: entry.seq, hlc: { wall: entry.hlc.wall, counter: entry.hlc.counter }, ...(proof != null ? { proof } : {}) }
      }
    }
  }
}

/**
 * Integrates exported entries into `store`, as a diff from their writers would: entries it has
 * already seen are skipped, the others join as live entries with their own dots (siblings where
 * they are concurrent). Resolves with the number of entries read, once they are durable.
 *
 * @example
 * ```ts
 * const lines = createInterface({ input: createReadStream('backup.jsonl') })
 * await importEntries(store, (async function * () { for await (const line of lines) if (line !== '') yield parseExportLine(line) })())
 * ```
 */
export async function importEntries (store: ReplicaStore<any, any>, entries: Iterable<ExportedEntry> | AsyncIterable<ExportedEntry>): Promise<number> {
  const pending = new Map<ReplicaId, DiffEntry[]>()
  const signed = new Map<ReplicaId, { card: WriterCard, proofs: BatchProof[] }>()
  let count = 0
  let held = 0
  const integrate = async (): Promise<void> => {
    const groups = [...pending].map(([replica, group]) => {
      const known = signed.get(replica)
      const entries = ascending(group)
      // An entry whose batch's proof the export did not hold cannot be taken in.
      const covered = entries.filter((entry) => known?.proofs.some((p) => entry.seq >= p.first && entry.seq < p.first + p.count) === true)
      return { replica, card: known?.card, proofs: known == null ? [] : [...known.proofs].sort((a, b) => a.first - b.first), entries: covered }
    }).filter((group) => group.entries.length > 0)
    pending.clear()
    held = 0
    if (groups.length > 0) await store.integrateDiff({ needsFullRequest: false, groups })
  }
  for await (const entry of entries) {
    count++
    if (entry.proof != null) {
      let known = signed.get(entry.replica)
      if (known == null) signed.set(entry.replica, known = { card: entry.proof.card, proofs: [] })
      if (!known.proofs.some((p) => p.first === entry.proof!.batch.first)) known.proofs.push(entry.proof.batch)
    }
    if (store.hasSeen({ replica: entry.replica, seq: entry.seq })) continue
    let group = pending.get(entry.replica)
    if (group == null) pending.set(entry.replica, group = [])
    group.push({ key: entry.key, value: entry.value, seq: entry.seq, hlc: entry.hlc })
    if (++held >= CHUNK) await integrate()
  }
  await integrate()
  return count
}

/** By seq, one entry per dot, as a diff group must be. */
function ascending (entries: DiffEntry[]): DiffEntry[] {
  entries.sort((a, b) => a.seq - b.seq)
  return entries.filter((entry, i) => i === 0 || entry.seq !== entries[i - 1].seq)
}

function bytesJson (bytes: Uint8Array): string | { base64: string } {
  try {
    return utf8.decode(bytes)
  } catch {
    return { base64: toString(bytes, 'base64pad') }
  }
}

/** An exported entry as one line of JSON (no newline). */
export function exportLine (entry: ExportedEntry): string {
  const line: Record<string, unknown> = { key: bytesJson(entry.key), value: bytesJson(entry.value), replica: entry.replica, seq: entry.seq, hlc: entry.hlc }
  if (entry.proof != null) line.proof = { card: toString(concat([entry.proof.card.publicKey, entry.proof.card.nonce]), 'base64pad'), batch: toString(encodeBatch(entry.proof.batch), 'base64pad') }
  return JSON.stringify(line)
}

function bytesField (value: unknown, name: string): Uint8Array {
  if (typeof value === 'string') return new TextEncoder().encode(value)
  const base64 = (value as { base64?: unknown } | null)?.base64
  if (typeof base64 === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(base64) && base64.length % 4 === 0) return fromString(base64, 'base64pad')
  throw new InvalidArgumentError(`"${name}" must be a string or {"base64": "…"}`)
}

/** Reads one line of an export; throws an {@link InvalidArgumentError} saying what is wrong with it. */
export function parseExportLine (line: string): ExportedEntry {
  let parsed: any
  try {
    parsed = JSON.parse(line)
  } catch {
    throw new InvalidArgumentError('not JSON')
  }
  if (typeof parsed !== 'object' || parsed == null) throw new InvalidArgumentError('not a JSON object')
  assertReplicaId(parsed.replica)
  if (!Number.isSafeInteger(parsed.seq) || parsed.seq < 1) throw new InvalidArgumentError('"seq" must be a positive integer')
  const wall = parsed.hlc?.wall
  const counter = parsed.hlc?.counter
  if (!Number.isSafeInteger(wall) || wall < 0 || !Number.isSafeInteger(counter) || counter < 0) throw new InvalidArgumentError('"hlc" must be {"wall": ms, "counter": n}')
  const entry = { key: bytesField(parsed.key, 'key'), value: bytesField(parsed.value, 'value'), replica: parsed.replica, seq: parsed.seq, hlc: { wall, counter } }
  if (parsed.proof == null) return entry
  const card = bytesField({ base64: parsed.proof.card }, 'proof.card')
  if (card.byteLength !== 48) throw new InvalidArgumentError('"proof.card" must be 48 bytes')
  return { ...entry, proof: { card: { publicKey: card.slice(0, 32), nonce: card.slice(32) }, batch: decodeBatch(bytesField({ base64: parsed.proof.batch }, 'proof.batch')) } }
}

/** A proof as bytes: u64 first, u32 count, salt, removals digest, signature, leaves. */
function encodeBatch (proof: BatchProof): Uint8Array {
  const out = new Uint8Array(12 + 16 + 32 + 64 + proof.leaves.byteLength)
  const view = new DataView(out.buffer)
  view.setFloat64(0, proof.first, true)
  view.setUint32(8, proof.count, true)
  out.set(proof.salt, 12)
  out.set(proof.removalsDigest, 28)
  out.set(proof.signature, 60)
  out.set(proof.leaves, 124)
  return out
}

function decodeBatch (bytes: Uint8Array): BatchProof {
  if (bytes.byteLength < 124) throw new InvalidArgumentError('"proof.batch" is too short')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const first = view.getFloat64(0, true)
  const count = view.getUint32(8, true)
  if (!Number.isSafeInteger(first) || first < 1 || bytes.byteLength !== 124 + count * 16) throw new InvalidArgumentError('"proof.batch" is malformed')
  return { first, count, salt: bytes.slice(12, 28), removalsDigest: bytes.slice(28, 60), signature: bytes.slice(60, 124), leaves: bytes.slice(124) }
}
