import { MAX_SEQ } from './clock-set.ts'
import { InvalidArgumentError } from './errors.ts'
import { MAX_COUNTER, MAX_WALL } from './hlc.ts'
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from './limits.ts'
import { assertReplicaId } from './replica-id.ts'
import type { Diff, RemovalEvidence } from './diff.ts'
import type { Dot, Hlc, Op } from './types.ts'

// Ops and diffs from the wire are valid by construction (the decoders check everything), but
// integrate* also takes objects made in code; checking all of a batch before applying any of it
// is what keeps a bad batch from leaving the store half-changed.

function fail (why: string): never {
  throw new InvalidArgumentError(why)
}

export function checkKey (key: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) fail('a key must encode to a Uint8Array')
  if (key.byteLength > MAX_KEY_BYTES) fail(`key of ${key.byteLength} bytes exceeds ${MAX_KEY_BYTES}`)
}

export function checkValue (value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) fail('a value must encode to a Uint8Array')
  if (value.byteLength > MAX_VALUE_BYTES) fail(`value of ${value.byteLength} bytes exceeds ${MAX_VALUE_BYTES}`)
}

export function checkSeq (seq: unknown): asserts seq is number {
  if (!Number.isInteger(seq) || (seq as number) < 1 || (seq as number) > MAX_SEQ) fail(`invalid seq ${String(seq)}`)
}

function checkDot (dot: Dot | undefined): void {
  if (dot == null || typeof dot !== 'object') fail('missing dot')
  assertReplicaId(dot.replica)
  checkSeq(dot.seq)
}

export function checkHlc (hlc: Hlc | undefined): void {
  if (hlc == null || typeof hlc !== 'object') fail('missing hlc')
  if (!Number.isInteger(hlc.wall) || hlc.wall < 0 || hlc.wall > MAX_WALL) fail(`invalid hlc wall ${hlc.wall}`)
  if (!Number.isInteger(hlc.counter) || hlc.counter < 0 || hlc.counter > MAX_COUNTER) fail(`invalid hlc counter ${hlc.counter}`)
}

// What a decoder returned was checked field by field as it was read; checking it again would
// cost as much as decoding. A decoder stamps what it returns with a private field of a class no
// other module can reach: neither a spread, nor a copy, nor JSON carries it, so a message made in
// code, or copied and changed, is checked. Code that edits a decoded message in place owns the
// result. The signatures are checked either way: integration recomputes every leaf from the bytes,
// or takes those that verifyDiff computed from the same decoded diff just before.
// (A private field costs a few ns to add; `Object.defineProperty` with a symbol cost 140 ns, a
// tenth of an op's whole decode.)
declare const DECODED: unique symbol

/** A message (ops, a diff) that a wire decoder read and checked field by field: integration does not check its shape again. */
export type Decoded<T extends object> = T & { readonly [DECODED]: true }

/** Its constructor returns the object it is given, so the class's field is added to that object. */
const ReturnTheObject = function (object: object) { return object } as unknown as new (object: object) => object

class DecodedStamp extends ReturnTheObject {
  readonly #decoded = true

  static has (message: object): boolean {
    return #decoded in message
  }
}

/** Brands a message a decoder has fully validated. */
export function markDecoded<T extends object> (message: T): Decoded<T> {
  new DecodedStamp(message)
  return message as Decoded<T>
}

/** Whether a decoder made `message` (see {@link Decoded}). */
export function isDecoded (message: object): boolean {
  return typeof message === 'object' && message !== null && DecodedStamp.has(message)
}

/** Checks ops made in code; ops a decoder made were checked as they were read. */
export function checkOps (ops: readonly Op[]): void {
  if (isDecoded(ops)) return
  if (!Array.isArray(ops)) fail('ops must be an array')
  for (const op of ops) {
    if (op == null || (op.kind !== 'set' && op.kind !== 'delete')) fail('an op is a set or a delete')
    checkKey(op.key)
    if (!Array.isArray(op.removes)) fail('op.removes must be an array')
    for (const dot of op.removes) checkDot(dot)
    if (op.kind === 'set') {
      checkValue(op.value)
      checkDot(op.dot)
      checkHlc(op.hlc)
    }
  }
}

/** Checks a diff made in code; returns true, checking nothing, for a diff a decoder made. */
export function checkDiff (diff: Diff): boolean {
  if (isDecoded(diff)) return true
  if (diff == null || !Array.isArray(diff.groups)) fail('a diff has groups')
  const replicas = new Set<string>()
  for (const group of diff.groups) {
    assertReplicaId(group.replica)
    if (replicas.has(group.replica)) fail(`replica ${group.replica} appears twice in one diff`)
    replicas.add(group.replica)
    if (!Array.isArray(group.entries)) fail('a diff group has entries')
    let previousSeq = 0
    for (const entry of group.entries) {
      if (!(entry.seq > previousSeq)) fail('diff entries must ascend by seq within a group')
      previousSeq = entry.seq
      checkKey(entry.key)
      checkValue(entry.value)
      checkSeq(entry.seq)
      checkHlc(entry.hlc)
    }
    if (group.deaths != null && !group.deaths.isEmpty && (group.deaths.min()! < 1 || group.deaths.max()! > MAX_SEQ)) {
      fail('a death outside the seq range')
    }
  }
  if (diff.evidence != null) checkEvidence(diff.evidence)
  return false
}

/** Evidence of deaths built as objects (an app's own transport): the shapes the decoder checks. */
function checkEvidence (evidence: readonly RemovalEvidence[]): void {
  if (!Array.isArray(evidence)) fail('a diff\'s evidence is a list')
  for (const batch of evidence) {
    assertReplicaId(batch.remover)
    checkSeq(batch.first)
    if (!Number.isInteger(batch.count) || batch.count < 0 || batch.count > 64) fail('an evidence batch covers 0 to 64 seqs')
    if (!Array.isArray(batch.removals) || batch.removals.length === 0 || batch.removals.length > 4096) fail('an evidence batch has 1 to 4,096 removals')
    for (const removal of batch.removals) {
      assertReplicaId(removal.replica)
      checkSeq(removal.seq)
      if (removal.tag != null && (!(removal.tag instanceof Uint8Array) || removal.tag.byteLength !== 8)) fail('a removal tag is 8 bytes')
    }
    const whole = batch.whole
    if (whole != null && (whole.card?.publicKey?.byteLength !== 32 || whole.card?.nonce?.byteLength !== 16 || whole.salt?.byteLength !== 16 || whole.signature?.byteLength !== 64 || whole.leaves?.byteLength !== batch.count * 16)) fail('a malformed evidence batch')
  }
}
