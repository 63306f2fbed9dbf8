// What happens to one mutated input: it is decoded, and what decodes is integrated into a fresh
// store and into one that already holds state. Each step may succeed or throw a typed error;
// anything else is a Violation. A refused integrate must leave the store as it was, what a store
// took in must be bounded by the input's size, and it must be able to send it on again.

import {
  LevelStore, MemStore, decodeAnnouncement, decodeDiff, decodeDiffRequest, decodeOps, decodeTopicMessage,
  encodeDiff, type ReplicaId, type ReplicaStore
} from '../../src/index.ts'
import { MessageType } from '../../src/protocols/wire/header.ts'
import { isPackKey, readPack, unsealPack } from '../../src/store/level/pack-codec.ts'
import { FORMAT_VERSION, decodeRecord } from '../../src/store/level/record-codec.ts'
import { memoryLocation } from './memory-level.ts'
import { writerOf } from './writers.ts'
import { toHex } from './prng.ts'
import { sealed, type Kind, type Records } from './generators.ts'

/** The package's typed errors: the only ones hostile input may raise. Matched by name. */
export const ALLOWED_ERRORS: readonly string[] = ['InvalidMessageError', 'InvalidArgumentError', 'CorruptStoreError', 'ForeignDotError', 'SeqLimitError', 'UnsupportedVersionError', 'InvalidSignatureError', 'WriterKeysMismatchError']

/**
 * How much a store may learn per byte of input: the serialized seen sets it gains, plus
 * {@link WRITER_COST} per new writer, stay within LEARN_PER_BYTE × input bytes + LEARN_BASE. A
 * remove of a made-up seq costs 2 input bytes and a roaring container of ~20 bytes at worst.
 */
export const LEARN_PER_BYTE = 16
export const LEARN_BASE = 4096
const WRITER_COST = 64

/** A broken rule: the runner reports it with the case's seed and input. */
export class Violation extends Error {
  static override readonly name = 'Violation'
  override readonly name = 'Violation'
}

/** What a case needs besides its input. */
export interface TargetContext {
  readonly kind: Kind
  /** A fresh store's writer (secret and nonce, hex), and the writer and full diff of the store that already holds state. */
  readonly freshId: string
  readonly state: { readonly writer: string, readonly diff: Uint8Array }
  readonly maxFrameBytes: number
  /** Which store (0 fresh, 1 with state) checks that it can pass on what it took in: a store costs ~0.5 ms. */
  readonly resendFrom: number
  /** For records: the rest of the database the mutated record sits in. */
  readonly database?: Records
  readonly recordKey?: Uint8Array
}

const NOW = (): number => 1_764_115_200_000
/** The request of a replica that has seen nothing. */
const NOTHING_SEEN = { replicas: [] }

/** Runs `fn`; returns the name of a typed error it threw, undefined if it returned. */
function typed (stage: string, fn: () => void): string | undefined {
  try {
    fn()
    return undefined
  } catch (err: any) {
    if (err instanceof Violation) throw err
    if (ALLOWED_ERRORS.includes(err?.name)) return err.name
    throw new Violation(`${stage} threw ${describe(err)}`, { cause: err })
  }
}

async function typedAsync (stage: string, fn: () => Promise<void>): Promise<string | undefined> {
  try {
    await fn()
    return undefined
  } catch (err: any) {
    if (err instanceof Violation) throw err
    if (ALLOWED_ERRORS.includes(err?.name)) return err.name
    throw new Violation(`${stage} threw ${describe(err)}`, { cause: err })
  }
}

export function describe (err: any): string {
  const where = String(err?.stack ?? '').split('\n').find((line) => line.includes('/src/'))?.trim()
  return `${String(err?.name)}: ${String(err?.message)}${where != null ? ` (${where})` : ''}`
}

/** What a store has learned: its seen sets' serialized bytes, and a cost per writer. */
function learned (store: ReplicaStore): number {
  let bytes = 0
  for (const { seen } of store.requestDiff({ hash: false }).replicas ?? []) bytes += seen.serialize().byteLength + WRITER_COST
  return bytes
}

function snapshot (store: ReplicaStore): string {
  return toHex(store.stateHash()) + store.entries().map(([k, v]) => `${toHex(k)}=${toHex(v)}`).join(',')
}

function stores (ctx: TargetContext): Array<[string, ReplicaStore]> {
  const fresh = new MemStore(undefined, { writer: writerOf(ctx.freshId), clock: { now: NOW } })
  const holding = new MemStore(undefined, { writer: writerOf(ctx.state.writer), clock: { now: NOW } })
  holding.integrateDiff(decodeDiff(ctx.state.diff))
  return [['fresh store', fresh], ['store with state', holding]]
}

/** The store's whole state sent to a new store must arrive intact: what it took in, it can pass on. */
function checkResend (store: ReplicaStore, where: string, fromDisk = false): void {
  try {
    const copy = new MemStore(undefined, { clock: { now: NOW } })
    try {
      copy.integrateDiff(decodeDiff(encodeDiff(store.buildDiff(copy.requestDiff()))))
    } catch (err: any) {
      // Records are trusted as written: a record changed and sealed again (what only someone
      // writing to the disk can do) holds entries no signature covers, which every peer refuses.
      if (fromDisk && err?.name === 'InvalidSignatureError') return
      throw err
    }
    // Nor can seqs whose proof record was changed be attested to a copy: it stays behind.
    if (!fromDisk && toHex(copy.stateHash()) !== toHex(store.stateHash())) throw new Error('a copy made from its full diff has another state hash')
  } catch (err: any) {
    throw new Violation(`${where}: integrated, then could not pass its state on: ${describe(err)}`, { cause: err })
  }
}

/** Integrates into each store: success (bounded, re-sendable) or a typed error that changed nothing. */
function integrate (ctx: TargetContext, input: Uint8Array, apply: (store: ReplicaStore) => void): string {
  const outcomes: string[] = []
  for (const [i, [where, store]] of stores(ctx).entries()) {
    const before = snapshot(store)
    const learnedBefore = learned(store)
    const refused = typed(`integrate into ${where}`, () => { apply(store) })
    if (refused != null) {
      if (snapshot(store) !== before) throw new Violation(`${where}: integrate threw ${refused} but changed the store`)
      outcomes.push(`refused:${refused}`)
      continue
    }
    const gained = learned(store) - learnedBefore
    if (gained > LEARN_PER_BYTE * input.byteLength + LEARN_BASE) {
      throw new Violation(`${where}: learned ${gained} bytes of seen sets and writers from ${input.byteLength} input bytes`)
    }
    if (i === ctx.resendFrom) checkResend(store, where)
    outcomes.push('integrated')
  }
  return outcomes[0] === outcomes[1] ? outcomes[0] : outcomes.join('/')
}

/** Every frame a store answers `request` with, encoded; their total size. */
function answerBytes (store: ReplicaStore, request: Parameters<ReplicaStore['buildDiffFrames']>[0], maxFrameBytes: number): number {
  let total = 0
  for (const frame of store.buildDiffFrames(request, { maxFrameBytes })) total += encodeDiff(frame).byteLength
  return total
}

function serveRequest (ctx: TargetContext, input: Uint8Array): string {
  let request: ReturnType<typeof decodeDiffRequest> | undefined
  const refused = typed('decodeDiffRequest', () => { request = decodeDiffRequest(input) })
  if (refused != null) return `decode refused:${refused}`
  const outcomes: string[] = []
  for (const [where, store] of stores(ctx)) {
    const before = snapshot(store)
    // Whatever the request claims, the answer is at most what a replica that has seen nothing
    // gets, plus deaths the claims cut into pieces.
    const everything = answerBytes(store, NOTHING_SEEN, ctx.maxFrameBytes)
    let sent = 0
    const refused = typed(`answer in ${where}`, () => { sent = answerBytes(store, request!, ctx.maxFrameBytes) })
    if (snapshot(store) !== before) throw new Violation(`${where}: answering a request changed the store`)
    if (sent > everything + LEARN_PER_BYTE * input.byteLength + LEARN_BASE) {
      throw new Violation(`${where}: answered ${sent} bytes (everything is ${everything}) to ${input.byteLength} request bytes`)
    }
    outcomes.push(refused == null ? 'answered' : `refused:${refused}`)
  }
  return outcomes[0] === outcomes[1] ? outcomes[0] : outcomes.join('/')
}

/** The topic decoder must agree with the kind's own decoder about a message of the kind's type. */
function checkTopic (input: Uint8Array, type: number, decodedOk: boolean): void {
  const refused = typed('decodeTopicMessage', () => { decodeTopicMessage(input) })
  if (input[1] === type && (refused == null) !== decodedOk) throw new Violation(`decodeTopicMessage ${refused == null ? 'accepted' : 'refused'} what the message's own decoder ${decodedOk ? 'accepted' : 'refused'}`)
}

async function openRecords (ctx: TargetContext, input: Uint8Array): Promise<string> {
  const key = ctx.recordKey!
  const records: Records = sealed([...ctx.database!, [key, input]])
  const stored = records[records.length - 1][1]
  let refused = typed('decodeRecord', () => {
    if (isPackKey(key)) readPack(unsealPack(key, stored), () => {})
    else decodeRecord(key, stored, FORMAT_VERSION)
  })
  if (refused != null) return `record refused:${refused}`
  const dbBytes = records.reduce((sum, [k, v]) => sum + k.byteLength + v.byteLength, 0)
  let store: LevelStore | undefined
  refused = await typedAsync('LevelStore.open', async () => { store = await LevelStore.open(memoryLocation(records), { clock: { now: NOW } }) })
  if (refused != null || store == null) return `open refused:${refused}`
  try {
    const gained = learned(store)
    if (gained > LEARN_PER_BYTE * dbBytes + LEARN_BASE) throw new Violation(`opened store holds ${gained} bytes of seen sets and writers from ${dbBytes} database bytes`)
    checkResend(store, 'opened store', true)
  } finally {
    await store.close()
  }
  return 'opened'
}

/** Runs one input through its kind's decoder and store; returns an outcome label, or throws a Violation. */
export async function runTarget (ctx: TargetContext, input: Uint8Array): Promise<string> {
  switch (ctx.kind) {
    case 'ops': {
      let ops: ReturnType<typeof decodeOps> | undefined
      const refused = typed('decodeOps', () => { ops = decodeOps(input) })
      checkTopic(input, MessageType.ops, refused == null)
      if (refused != null) return `decode refused:${refused}`
      return integrate(ctx, input, (store) => { store.integrateOps(ops!) })
    }
    case 'announcement': {
      const refused = typed('decodeAnnouncement', () => { decodeAnnouncement(input) })
      checkTopic(input, MessageType.announcement, refused == null)
      return refused != null ? `decode refused:${refused}` : 'decoded'
    }
    case 'diff-request':
      return serveRequest(ctx, input)
    case 'diff': {
      // Decode once per store: a decoded diff's entries stay in the message the store adopts.
      const refused = typed('decodeDiff', () => { decodeDiff(input) })
      if (refused != null) return `decode refused:${refused}`
      return integrate(ctx, input, (store) => { store.integrateDiff(decodeDiff(input)) })
    }
    case 'record':
      return await openRecords(ctx, input)
  }
}
