import { equalBytes } from '@noble/ciphers/utils.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'

export const NONCE_BYTES = 32
export const MAC_BYTES = 32

const LABEL = new TextEncoder().encode('roaring-mesh proof v1')

/** Which side a proof speaks for: the initiator's and the responder's proofs of one exchange differ, so neither can be reflected back as the other. */
export type ProofRole = 'initiator' | 'responder'

export interface ProofTranscript {
  /** The multihash bytes of the peer that opened the proof stream, and of the other. */
  initiator: Uint8Array
  responder: Uint8Array
  initiatorNonce: Uint8Array
  responderNonce: Uint8Array
}

/**
 * HMAC-SHA256 under the proof key over
 *   "roaring-mesh proof v1" role:u8 len:u16 initiator-id len:u16 responder-id initiator-nonce responder-nonce
 * Both peer ids come from the Noise handshake of the connection the proof runs on, so a proof
 * made for one pair of peers says nothing about another: a man in the middle who relays a
 * member's proof to a third peer presents it under his own id, and it fails.
 */
export function proofMac (proofKey: Uint8Array, role: ProofRole, t: ProofTranscript): Uint8Array<ArrayBuffer> {
  const mac = hmac.create(sha256, proofKey)
  mac.update(LABEL)
  mac.update(Uint8Array.of(role === 'initiator' ? 1 : 2))
  for (const id of [t.initiator, t.responder]) {
    mac.update(Uint8Array.of(id.byteLength >> 8, id.byteLength & 0xff))
    mac.update(id)
  }
  mac.update(t.initiatorNonce)
  mac.update(t.responderNonce)
  return new Uint8Array(mac.digest())
}

/** Whether `mac` is the proof of `role` for this transcript, compared in constant time. */
export function checkProofMac (proofKey: Uint8Array, role: ProofRole, t: ProofTranscript, mac: Uint8Array): boolean {
  return mac.byteLength === MAC_BYTES && equalBytes(proofMac(proofKey, role, t), mac)
}
