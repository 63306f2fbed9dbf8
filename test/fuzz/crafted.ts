// Valid messages no honest replica sends, built through the same public encoders: a replica
// table of thousands of made-up writers, deaths that a few bytes of run containers stretch over
// millions of seqs, a request claiming to have seen 1..2^k. Each is small; what it asks of the
// receiver must stay within what its bytes allow. Mutants of these reach paths random bytes rarely do.

import { ClockSet, encodeDiff, encodeDiffRequest, encodeOps } from '../../src/index.ts'
import { varintFields } from './fields.ts'
import { leb128 } from './mutators.ts'
import { signedDelete, writerOf } from './writers.ts'
import { toHex, type Rng } from './prng.ts'
import type { Corpus } from './generators.ts'

function madeUpIds (rng: Rng, n: number): string[] {
  const base = rng.bytes(16)
  return Array.from({ length: n }, (_, i) => {
    const id = base.slice()
    id[14] = i >>> 8
    id[15] = i & 0xff
    id[13] ^= i >>> 16
    return toHex(id)
  })
}

/** Deletes that remove one dot of each of `writers` made-up writers. */
function manyWriters (rng: Rng, writers: number): Uint8Array {
  const removes = madeUpIds(rng, writers).map((replica) => ({ replica, seq: rng.range(1, 2 ** 40) }))
  return encodeOps(signedDelete(writerOf(toHex(rng.bytes(48))), rng.bytes(4), removes, () => rng.bytes(8)))
}

/** A diff whose one group says seqs 1..`seqs` of a made-up writer are dead. */
function wideDeaths (rng: Rng, start: number, seqs: number): Uint8Array {
  const deaths = new ClockSet()
  deaths.addRange(start, start + seqs)
  return encodeDiff({ needsFullRequest: false, groups: [{ replica: madeUpIds(rng, 1)[0], entries: [], deaths }] })
}

/**
 * A full request claiming to have seen 1..`max` of a writer (a few varint bytes on the wire). The
 * encoder would have to read such a set to write it, so a request for 1..3 gets its seen-max raised.
 */
function wideSeen (rng: Rng, replica: string, max: number): Uint8Array {
  const seen = ClockSet.of(1, 2, 3)
  const bytes = encodeDiffRequest({ replicas: [{ replica, seen, liveDigest: rng.bytes(8) }] })
  const at = varintFields('diff-request', bytes).find((field) => field.what.startsWith('seen-max'))!.at
  return Uint8Array.of(...bytes.subarray(0, at), ...leb128(max), ...bytes.subarray(at + 1))
}

/**
 * A full request naming as suspects `seqs` seqs of a writer from `start` (a run: a few bytes),
 * and asking to narrow deaths. Past 65,536 suspects a decoder refuses it.
 */
function wideSuspects (rng: Rng, replica: string, start: number, seqs: number): Uint8Array {
  const suspects = new ClockSet()
  suspects.addRange(start, start + seqs)
  return encodeDiffRequest({ narrowDeaths: true, replicas: [{ replica, seen: ClockSet.of(1, 2, 3), liveDigest: rng.bytes(8), suspects }] })
}

/** Adds the crafted messages to a corpus (after the scenarios, whose writers the requests name). */
export function addCrafted (rng: Rng, corpus: Corpus): void {
  const { messages } = corpus
  // The signing writer is in the table too: 1,023 made-up ones fill it.
  for (const writers of [8, 300, 1023]) messages.ops.push(manyWriters(rng, writers))
  // One full 2^16 run container costs ~14 bytes: 1, 64 and 2048 of them.
  for (const containers of [1, 64, 2048]) messages.diff.push(wideDeaths(rng, 1, containers * 65536))
  messages.diff.push(wideDeaths(rng, 2 ** 40, 3 * 65536))
  for (const max of [2 ** 20, 2 ** 32, 2 ** 39, 2 ** 48 - 1]) {
    messages['diff-request'].push(wideSeen(rng, writerOf(rng.pick(corpus.states).writer).replicaId, max))
  }
  for (const [start, seqs] of [[1, 65_536], [1, 65_537], [2 ** 40, 65_536]]) {
    messages['diff-request'].push(wideSuspects(rng, writerOf(rng.pick(corpus.states).writer).replicaId, start, seqs))
  }
}
