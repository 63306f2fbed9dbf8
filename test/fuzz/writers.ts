import { WriterKey, type Dot, type Op } from '../../src/index.ts'
import { batchDigest, removalsDigest, type TaggedDot } from '../../src/store/writer-keys/batch-digest.ts'
import { ed25519 } from '../../src/store/writer-keys/ed25519.ts'

/** A writer key from 48 bytes as hex (secret, nonce): a seed replays the same ids and signatures. */
export function writerOf (hex: string): WriterKey {
  const bytes = Uint8Array.from(Buffer.from(hex, 'hex'))
  return WriterKey.fromSecretSync(bytes.subarray(0, 32), bytes.subarray(32, 48))
}

/**
 * A delete removing `removes` (any dots, with made-up tags), signed by `writer` as a batch of
 * removals only: what a lying member can send, valid in every byte.
 */
export function signedDelete (writer: WriterKey, key: Uint8Array, removes: readonly Dot[], tagOf: (dot: Dot) => Uint8Array): Op[] {
  const tagged: TaggedDot[] = removes.map((dot) => ({ replica: dot.replica, seq: dot.seq, tag: tagOf(dot) }))
  const salt = new Uint8Array(16)
  const digest = batchDigest(writer.replicaId, 1, 0, salt, removalsDigest(tagged), new Uint8Array(0))
  const signature = ed25519().sign(writer.secretKey, digest) as Uint8Array
  const batch = { card: { publicKey: writer.publicKey, nonce: writer.nonce }, first: 1, count: 0, salt, signature }
  return [{ kind: 'delete', key, removes: tagged, batch }]
}
