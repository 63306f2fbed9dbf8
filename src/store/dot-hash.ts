// An additive set hash over dots: the hash of a set is the lane-wise sum (mod 2^32) of its dots'
// hashes, so it follows every add and remove in O(1) and two replicas can compare sets of any
// size in a few bytes. It guards against chance, not against a forger (see DESIGN.md, security).

/** MurmurHash3's 32-bit finaliser. */
export function fmix32 (h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Two 32-bit seeds per replica, mixed from all 16 id bytes. */
export function replicaSeeds (id: Uint8Array): [number, number] {
  const view = new DataView(id.buffer, id.byteOffset, id.byteLength)
  let a = 0x9747b28c
  let b = 0x2f1a6b3d
  for (let i = 0; i < id.byteLength; i += 4) {
    const word = view.getUint32(i, true)
    a = fmix32(a ^ word)
    b = fmix32(Math.imul(b ^ word, 0x27d4eb2f) + 0x165667b1)
  }
  return [a, b]
}

export function dotHashA (seedA: number, seq: number): number {
  return fmix32(seedA ^ Math.imul(seq >>> 0, 0x9e3779b1) ^ Math.imul((seq / 0x1_0000_0000) >>> 0, 0x85ebca77))
}

export function dotHashB (seedB: number, seq: number): number {
  return fmix32(seedB ^ Math.imul((seq >>> 0) ^ 0x5bd1e995, 0xc2b2ae3d) ^ Math.imul((seq / 0x1_0000_0000) >>> 0, 0x27d4eb2f))
}

/**
 * What a live entry's contents add to its writer's content digest: two words of its leaf (the
 * salted SHA-256 its writer signed, see src/store/writer-keys/batch-digest.ts), past the 8 bytes a
 * removal's tag shows. Two signed versions of one dot add different words, so stores holding
 * them hash apart.
 */
export function leafHashA (leaf: Uint8Array, at = 0): number {
  return (leaf[at + 8] | (leaf[at + 9] << 8) | (leaf[at + 10] << 16) | (leaf[at + 11] << 24)) >>> 0
}

export function leafHashB (leaf: Uint8Array, at = 0): number {
  return (leaf[at + 12] | (leaf[at + 13] << 8) | (leaf[at + 14] << 16) | (leaf[at + 15] << 24)) >>> 0
}

/** A 64-bit set digest as two 32-bit lanes. */
export class SetDigest {
  a = 0
  b = 0

  add (hashA: number, hashB: number): void {
    this.a = (this.a + hashA) >>> 0
    this.b = (this.b + hashB) >>> 0
  }

  subtract (hashA: number, hashB: number): void {
    this.a = (this.a - hashA) >>> 0
    this.b = (this.b - hashB) >>> 0
  }

  equals (other: SetDigest): boolean {
    return this.a === other.a && this.b === other.b
  }

  copy (): SetDigest {
    const copy = new SetDigest()
    copy.a = this.a
    copy.b = this.b
    return copy
  }

  /** 8 bytes, little endian, lane a then lane b. */
  toBytes (): Uint8Array {
    const out = new Uint8Array(8)
    const view = new DataView(out.buffer)
    view.setUint32(0, this.a, true)
    view.setUint32(4, this.b, true)
    return out
  }

  static fromBytes (bytes: Uint8Array): SetDigest {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const digest = new SetDigest()
    digest.a = view.getUint32(0, true)
    digest.b = view.getUint32(4, true)
    return digest
  }
}
