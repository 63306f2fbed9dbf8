// Export and import: every live entry of a store as JSON lines, so that data is never trapped in
// our format, and so that a store can be restored from them with the same dots (an entry imported
// into a store that syncs with the mesh is the same write, not a copy).
//
//   {"key":"shopping/milk","value":"2 litres","replica":"5f0e…(32 hex)","seq":12,"hlc":{"wall":1764601234567,"counter":0}}
//
// `key` and `value` are strings when their bytes are UTF-8, else {"base64": "…"}. One line per
// live entry: concurrent writes at a key (siblings) each have their line. Deaths are not exported:
// a store restored from an export learns them from the mesh, as after a salvage.

import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import type { DiffEntry, DiffRequest } from './diff.ts'
import { InvalidArgumentError } from './errors.ts'
import type { ReplicaStore } from './replica-store.ts'
import { assertReplicaId } from './replica-id.ts'
import type { Hlc, ReplicaId } from './types.ts'

/** One live entry with everything needed to restore it exactly: its dot (writer and seq) and its clock. */
export interface ExportedEntry {
  readonly key: Uint8Array
  readonly value: Uint8Array
  /** The replica that wrote it. */
  readonly replica: ReplicaId
  readonly seq: number
  readonly hlc: Hlc
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
      for (const entry of group.entries) yield { key: entry.key, value: entry.value, replica: group.replica, seq: entry.seq, hlc: { wall: entry.hlc.wall, counter: entry.hlc.counter } }
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
  let count = 0
  let held = 0
  const integrate = async (): Promise<void> => {
    const groups = [...pending].map(([replica, group]) => ({ replica, entries: ascending(group) }))
    pending.clear()
    held = 0
    if (groups.length > 0) await store.integrateDiff({ needsFullRequest: false, groups })
  }
  for await (const entry of entries) {
    count++
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
  return JSON.stringify({ key: bytesJson(entry.key), value: bytesJson(entry.value), replica: entry.replica, seq: entry.seq, hlc: entry.hlc })
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
  return { key: bytesField(parsed.key, 'key'), value: bytesField(parsed.value, 'value'), replica: parsed.replica, seq: parsed.seq, hlc: { wall, counter } }
}
