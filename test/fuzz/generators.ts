// Valid messages of every kind, made by real stores through the public encoders: writers that
// set, delete and transact concurrently, trade ops out of order and pull diffs from each other.
// The mutators start from these, so that most mutants get past the header and deep into a decoder.

import {
  type MemStoreOptions,
  MemStore, decodeDiff, decodeDiffRequest, decodeOps, encodeAnnouncement, encodeDiff, encodeDiffRequest, encodeOps,
  type DiffRequest, type ReplicaId
} from '../../src/index.ts'
import { packKey } from '../../src/store/level/pack-codec.ts'
import { encodeChain } from '../../src/store/level/chain-record.ts'
import { encodeProof } from '../../src/store/level/proof-record.ts'
import { encodeFormat, sealValue } from '../../src/store/level/record-codec.ts'
import { seenKey, FORMAT_KEY, REPLICA_KEY, STATE_KEY, WRITER_KEY, proofKey } from '../../src/store/level/record-keys.ts'
import { encodeState } from '../../src/store/level/state-record.ts'
import { equals } from 'uint8arrays/equals'
import { replicaIdToBytes } from '../../src/store/replica-id.ts'
import type { StoreView } from '../../src/store/store-persistence.ts'
import { addCrafted } from './crafted.ts'
import { writerOf } from './writers.ts'
import { toHex, type Rng } from './prng.ts'

export const KINDS = ['ops', 'announcement', 'diff-request', 'diff', 'record'] as const
export type Kind = typeof KINDS[number]

/**
 * A LevelStore's database as records, in any order (the memory database sorts them), each value
 * as the record codec encodes it, before its checksum is added ({@link sealed}): a mutant is sealed
 * afresh, so that it reaches the checks behind the checksum rather than stopping at it.
 */
export type Records = Array<[key: Uint8Array, value: Uint8Array]>

/** The records as a LevelStore stores them: every value but the format marker's with its checksum. */
export function sealed (records: Records): Records {
  return records.map(([key, value]) => [key, equals(key, FORMAT_KEY) ? value : sealValue(key, value)])
}

/** Valid messages of each kind, and what a store that already holds state starts from. */
export interface Corpus {
  readonly messages: Record<Exclude<Kind, 'record'>, Uint8Array[]>
  readonly databases: Records[]
  /** Full diffs that bring a fresh store up to one writer's state, and that writer's id. */
  readonly states: Array<{ readonly writer: string, readonly diff: Uint8Array }>
}

/** One entry pack of every key's chain (see pack-codec.ts), unsealed. */
function pack (items: Array<[key: Uint8Array, chain: Uint8Array]>): Uint8Array {
  const out = new Uint8Array(items.reduce((sum, [key, chain]) => sum + 4 + key.byteLength + chain.byteLength, 4))
  const view = new DataView(out.buffer)
  view.setUint32(0, items.length, true)
  let pos = 4
  for (const [key, chain] of items) {
    view.setUint32(pos, key.byteLength, true)
    out.set(key, pos + 4)
    out.set(chain, pos + 4 + key.byteLength)
    pos += 4 + key.byteLength + chain.byteLength
  }
  return out
}

/** A MemStore that shows what a LevelStore would write of it, through the record codec's encoders. */
class RecordedStore extends MemStore {
  #view: StoreView | undefined

  constructor (name: string | undefined, options: MemStoreOptions<Uint8Array, Uint8Array>) {
    let view: StoreView | undefined
    super(name, { ...options, persistence: (access) => { view = access.view; return { committed: () => {}, publish: (emit) => { emit() } } } })
    this.#view = view
  }

  records (): Records {
    const { nextSeq, clockTime, chainAt } = this.#view!
    const writers = this.requestDiff().replicas ?? []
    const keys = this.entries()
    const records: Records = [
      [FORMAT_KEY, encodeFormat()],
      [REPLICA_KEY, replicaIdToBytes(this.replicaId)],
      [WRITER_KEY, this.writer.toBytes()],
      [STATE_KEY, encodeState({ nextSeq, reserved: nextSeq - 1, clock: clockTime, keys: keys.length > 0 ? 1 : 0, writers: writers.length, batch: 1 })]
    ]
    for (const { replica, seen } of writers) records.push([seenKey(replicaIdToBytes(replica)), seen.serialize()])
    if (keys.length > 0) records.push([packKey(0), pack(keys.map(([key]) => [key, encodeChain(chainAt(key)!)]))])
    for (const { replica } of writers) {
      const state = this.#view!.replica(replica)!
      for (const proof of [...state.proofs.all(), ...state.proofs.removalOnly()]) records.push([proofKey(state.idBytes, proof), encodeProof(state.proofs.card!, proof)])
    }
    return records
  }
}

function newStore (rng: Rng, clock: { now: number }): RecordedStore {
  // Ids and clocks from the seed, not crypto and Date.now: a seed replays the same messages.
  return new RecordedStore(undefined, { writer: writerOf(toHex(rng.bytes(48))), clock: { now: () => clock.now } })
}

/** One scenario: a few writers, a few dozen random actions, every message they exchanged. */
function scenario (rng: Rng, corpus: Corpus): void {
  const clock = { now: 1_764_115_200_000 + rng.int(1e9) }
  const stores = Array.from({ length: rng.range(2, 4) }, () => newStore(rng, clock))
  const keys = Array.from({ length: rng.range(2, 12) }, () => rng.bytes(rng.size(24)))
  const pending: Uint8Array[] = []
  const { messages } = corpus
  const actions = rng.range(5, 60)
  for (let i = 0; i < actions; i++) {
    const store = rng.pick(stores)
    if (rng.chance(0.3)) clock.now += rng.int(5000) - 1000
    const action = rng.int(10)
    if (action < 5) {
      // A transaction of one or more sets and deletes.
      store.begin()
      for (let n = rng.range(1, action === 0 ? 12 : 2); n > 0; n--) {
        const key = rng.pick(keys)
        if (rng.chance(0.25)) store.delete(key)
        else store.set(key, rng.bytes(rng.size(action === 1 ? 3000 : 40)))
      }
      const ops = store.commitWithOps()
      if (ops.length > 0) {
        const bytes = encodeOps(ops)
        messages.ops.push(bytes)
        pending.push(bytes)
      }
    } else if (action < 7 && pending.length > 0) {
      // Deliver a pending ops message to another writer, out of order and maybe twice.
      const at = rng.int(pending.length)
      const [bytes] = rng.chance(0.8) ? pending.splice(at, 1) : [pending[at]]
      const target = rng.pick(stores)
      if (target !== store || rng.chance(0.5)) target.integrateOps(decodeOps(bytes))
    } else {
      // A pull: the request, then the answer in frames of some size.
      const from = rng.pick(stores.filter((s) => s !== store))
      // An answer that withheld deaths is followed by the request naming suspects.
      for (let request: DiffRequest | undefined = pickRequest(rng, store); request != null;) {
        const encoded = encodeDiffRequest(request)
        messages['diff-request'].push(encoded)
        let withheld = false
        for (const frame of from.buildDiffFrames(decodeDiffRequest(encoded), { maxFrameBytes: rng.pick([64, 512, 4096, 65536]) })) {
          const bytes = encodeDiff(frame)
          messages.diff.push(bytes)
          const diff = decodeDiff(bytes)
          withheld ||= diff.deathsWithheld === true
          store.integrateDiff(diff)
        }
        request = withheld && request.narrowDeaths === true ? store.requestDiff({ hash: false }) : undefined
      }
    }
  }
  for (const store of stores) {
    messages.announcement.push(encodeAnnouncement(store.stateHash()))
    messages['diff-request'].push(encodeDiffRequest(store.requestDiff()))
    corpus.databases.push(store.records())
  }
  const donor = rng.pick(stores)
  corpus.states.push({ writer: toHex(rng.pick(stores).writer.toBytes().subarray(0, 32)) + toHex(rng.pick(stores).writer.nonce), diff: encodeDiff(donor.buildDiff(new MemStore().requestDiff())) })
}

function pickRequest (rng: Rng, store: MemStore): DiffRequest {
  const r = rng.int(5)
  // r 3: asking for evidence in full (request bit 7), as a store with doubts does.
  return r === 0 ? store.requestDiff({ summary: true }) : r === 1 ? store.requestDiff({ hash: false }) : r === 2 ? store.requestDiff({ hash: false, narrowDeaths: true }) : r === 3 ? { ...store.requestDiff({ hash: false }), fullEvidence: true } : store.requestDiff()
}

/** A corpus of `scenarios` scenarios (and the crafted messages of ./crafted.ts), the same for the same generator state. */
export function buildCorpus (rng: Rng, scenarios = 12, crafted = true): Corpus {
  const corpus: Corpus = { messages: { ops: [], announcement: [], 'diff-request': [], diff: [] }, databases: [], states: [] }
  for (let i = 0; i < scenarios; i++) scenario(rng, corpus)
  if (crafted) addCrafted(rng, corpus)
  return corpus
}
