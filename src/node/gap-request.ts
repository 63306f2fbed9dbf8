import { encodeDiffRequest, MAX_REQUEST_PAGE_BYTES } from '../protocols/wire/diff-request-codec.ts'
import type { DiffRequest } from '../store/diff.ts'
import type { ReplicaId } from '../store/types.ts'

/** The id just above `id` in byte order, or none above the highest. */
export function nextReplicaId (id: ReplicaId): ReplicaId | undefined {
  const next = BigInt(`0x${id}`) + 1n
  return next >> 128n === 0n ? next.toString(16).padStart(32, '0') : undefined
}

/**
 * A gap pull's request: `full` (this store's full request) narrowed to the writers whose ids lie
 * between the lowest and the highest of `writers`, the writers with an op missing. A full
 * request speaks of every writer, and in a burst every writer's newest ops are still on their way
 * by gossip: asking about all of them fetches by pull what gossip delivers anyway. A range is
 * what the request grammar has (a page), so the writers inside it that have no gap are asked
 * about too, with their true summaries.
 *
 * Undefined when the narrowed request would not fit one page: it is then pulled as a full one
 * (pages cover every writer id, which is no narrowing at all). Summaries left out are disposed.
 */
export function gapRequest (full: DiffRequest, writers: readonly ReplicaId[]): DiffRequest | undefined {
  if (full.replicas == null || writers.length === 0) return undefined
  const sorted = [...writers].sort()
  const from = sorted[0]
  const to = nextReplicaId(sorted[sorted.length - 1])
  const replicas = full.replicas.filter((summary) => summary.replica >= from && (to == null || summary.replica < to))
  const request: DiffRequest = { ...full, replicas, range: to == null ? { from } : { from, to } }
  if (encodeDiffRequest(request).byteLength > MAX_REQUEST_PAGE_BYTES) return undefined
  const kept = new Set(replicas)
  for (const summary of full.replicas) {
    if (kept.has(summary)) continue
    summary.seen.dispose()
    summary.suspects?.dispose()
  }
  return request
}
