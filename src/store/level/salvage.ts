// Salvage: what `LevelStore.open(location, { salvage: true })` does with a store that cannot be
// opened as it is. The damaged directory is moved aside whole; a repaired copy of it is read, and
// every entry (from an entry pack, the newest item of each key) that passes its checks goes into a new store at the location, as a diff
// would bring it. Seen sets are not kept: one that survived while an entry record it covers was
// lost would say "seen" for a write this store no longer holds, and no peer would send it again.
// Without them the store has seen exactly what it holds, so every peer's next diff brings what
// was lost, and the deaths of what it holds that are dead elsewhere. The new store writes under a
// new replica id: which seqs of the old one had left the store can no longer be known, and a
// reused seq is a write every other peer would ignore.

import { equals } from 'uint8arrays/equals'
import type { BatchProof, DiffEntry } from '../diff.ts'
import type { CorruptStoreError } from '../errors.ts'
import type { ReplicaStore } from '../replica-store.ts'
import type { ReplicaId, WriterCard } from '../types.ts'
import type { StoreFiles } from './level-backend.ts'
import { bytesToKeyString } from '../key-string.ts'
import { isPackKey, readPack, unsealPack } from './pack-codec.ts'
import type { StoredEntry } from './chain-record.ts'
import { FORMAT_VERSION, checkFormat, decodeRecord, decodeReplicaId, unsealValue } from './record-codec.ts'
import { FORMAT_KEY, REPLICA_KEY, WRITER_KEY } from './record-keys.ts'
import { signStored } from '../writer-keys/batch-sealing.ts'
import { MAX_BATCH_SEQS } from '../writer-keys/batch-digest.ts'
import { WriterKey } from '../writer-keys/writer-key.ts'

/** What a salvage kept and where the damaged files went; see {@link LevelStore.salvaged}. */
export interface SalvageReport {
  /** The damaged directory, moved aside whole: nothing in it was deleted. */
  readonly movedTo: string
  /** Entries (each sibling counted) that passed their checks and are in the new store. */
  readonly kept: number
  /** Records that failed their checks and were left behind (seen sets are never kept: see the README). */
  readonly dropped: number
  /** The damaged store's replica id, if its record could be read; the new store writes under a new one. */
  readonly previousReplicaId: ReplicaId | undefined
  /** Why the store could not be opened. */
  readonly cause: CorruptStoreError
  /** LevelDB errors met while reading the damaged files: records past them may be missing. */
  readonly readErrors: readonly Error[]
}

/** Entries integrated per diff. */
const CHUNK = 10_000

type Salvaged = ReplicaStore<any, any>

/** Moves the damaged store at `location` aside and fills the new store `openFresh` makes there with what checks out. */
export async function salvageInto<S extends Salvaged> (location: string, files: StoreFiles, cause: CorruptStoreError, openFresh: () => Promise<S>): Promise<{ store: S, report: SalvageReport }> {
  let version = FORMAT_VERSION
  let previousReplicaId: ReplicaId | undefined
  let kept = 0
  let dropped = 0
  const groups = new Map<ReplicaId, DiffEntry[]>()
  const proofs = new Map<ReplicaId, { card: WriterCard, proofs: BatchProof[] }>()
  /** Keys whose state a newer pack gave (as strings). */
  const decided = new Set<string>()
  const take = (key: Uint8Array, entry: StoredEntry): void => {
    let group = groups.get(entry.replica)
    if (group == null) groups.set(entry.replica, group = [])
    group.push({ key: key.slice(), value: entry.value.slice(), seq: entry.seq, hlc: entry.hlc })
  }
  let writerBytes: Uint8Array | undefined
  const { movedTo, errors } = await files.takeDamaged(location, (key, value) => {
    try {
      if (equals(key, FORMAT_KEY)) {
        version = checkFormat(value)
        return
      }
      if (equals(key, REPLICA_KEY)) {
        previousReplicaId = decodeReplicaId(unsealValue(key, value, version))
        return
      }
      if (equals(key, WRITER_KEY)) {
        writerBytes = unsealValue(key, value, version).slice()
        return
      }
      // Packs come newest first (their numbers count down in the key): a key's first item is its state.
      if (isPackKey(key)) {
        readPack(unsealPack(key, value), (itemKey, entries) => {
          const name = bytesToKeyString(itemKey)
          if (decided.has(name)) return
          decided.add(name)
          for (const entry of entries) take(itemKey, entry)
        })
        return
      }
      const record = decodeRecord(key, value, version)
      if (record.kind === 'seen') record.seen.dispose()
      // Entries need their writers' signed batches to be taken in again, as from any peer.
      // (A batch of removals only covers no entry; the deaths it proves are not salvaged.)
      if (record.kind === 'proof' && record.proof.count > 0) {
        let signed = proofs.get(record.replica)
        if (signed == null) proofs.set(record.replica, signed = { card: record.card, proofs: [] })
        signed.proofs.push(record.proof)
      }
      if (record.kind !== 'chain' || decided.has(bytesToKeyString(record.key))) return
      for (const entry of record.entries) take(record.key, entry)
    } catch {
      dropped++
    }
  })
  for (const entries of groups.values()) entries.sort((a, b) => a.seq - b.seq)
  if (previousReplicaId != null && writerBytes != null) await signOwn(writerBytes, previousReplicaId, groups, proofs)
  const store = await openFresh()
  for (const [replica, entries] of groups) {
    const signed = proofs.get(replica)
    signed?.proofs.sort((a, b) => a.first - b.first)
    for (let i = 0; i < entries.length; i += CHUNK) kept += await integrate(store, replica, entries.slice(i, i + CHUNK), signed)
  }
  dropped += [...groups.values()].reduce((sum, entries) => sum + entries.length, 0) - kept
  return { store, report: { movedTo, kept, dropped, previousReplicaId, cause, readErrors: errors } }
}

/**
 * The damaged store's own entries above its last proof kept were never signed (a store signs a
 * commit only once its seqs leave it): they are signed now with its writer key, as the store
 * itself would have signed them on reopening, so that they can be taken in like any writer's.
 */
async function signOwn (writerBytes: Uint8Array, replica: ReplicaId, groups: Map<ReplicaId, DiffEntry[]>, proofs: Map<ReplicaId, { card: WriterCard, proofs: BatchProof[] }>): Promise<void> {
  const entries = groups.get(replica)
  const writer = await WriterKey.fromBytes(writerBytes).catch(() => undefined)
  if (entries == null || entries.length === 0 || writer?.replicaId !== replica) return
  let signed = proofs.get(replica)
  if (signed == null) proofs.set(replica, signed = { card: { publicKey: writer.publicKey, nonce: writer.nonce }, proofs: [] })
  const attested = signed.proofs.reduce((max, proof) => Math.max(max, proof.first + proof.count - 1), 0)
  const bySeq = new Map(entries.map((entry) => [entry.seq, entry]))
  // A batch starts at each unsigned entry not yet covered: the seqs between runs (never written,
  // or claimed by a damaged record) cost nothing.
  let i = entries.findIndex((entry) => entry.seq > attested)
  while (i >= 0 && i < entries.length) {
    const first = entries[i].seq
    const end = Math.min(first + MAX_BATCH_SEQS, entries[entries.length - 1].seq + 1)
    signed.proofs.push(...await signStored(writer, first, end, (seq) => bySeq.get(seq)))
    while (i < entries.length && entries[i].seq < end) i++
  }
}

/** Integrates entries as a diff would bring them; a chunk the store refuses goes one entry at a time. Returns how many it took. */
async function integrate (store: Salvaged, replica: ReplicaId, entries: DiffEntry[], signed: { card: WriterCard, proofs: BatchProof[] } | undefined): Promise<number> {
  if (signed == null) return 0
  const { card } = signed
  const covering = (seq: number): BatchProof[] => signed.proofs.filter((p) => seq >= p.first && seq < p.first + p.count)
  try {
    await store.integrateDiff({ needsFullRequest: false, groups: [{ replica, card, proofs: signed.proofs, entries }] })
    return entries.length
  } catch {
    let taken = 0
    for (const entry of entries) {
      try {
        await store.integrateDiff({ needsFullRequest: false, groups: [{ replica, card, proofs: covering(entry.seq), entries: [entry] }] })
        taken++
      } catch {}
    }
    return taken
  }
}
