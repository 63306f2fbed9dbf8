// A small seeded PRNG (mulberry32) for the fuzzer: every case draws from its own generator,
// seeded from the run's seed and the case's index, so one case replays without the others.

/** Mixes the run seed and a case index into one 32-bit seed (murmur3's finalizer). */
export function caseSeed (seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

export class Rng {
  #state: number

  constructor (seed: number) {
    this.#state = seed >>> 0
  }

  /** A uniform 32-bit unsigned integer. */
  u32 (): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** An integer in [0, n). */
  int (n: number): number {
    return n <= 0x1_0000_0000 ? Math.floor((this.u32() / 0x1_0000_0000) * n) : Math.floor((this.u32() * 0x1_0000_0000 + this.u32()) / 2 ** 64 * n)
  }

  /** An integer in [min, max]. */
  range (min: number, max: number): number {
    return min + this.int(max - min + 1)
  }

  chance (p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p
  }

  pick<T> (items: readonly T[]): T {
    return items[this.int(items.length)]
  }

  bytes (n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff
    return out
  }

  /** Small sizes mostly, now and then a large one: fuzzers find most at the edges. */
  size (max: number): number {
    const r = this.int(8)
    return r < 5 ? this.int(Math.min(max, 16) + 1) : r < 7 ? this.int(Math.min(max, 256) + 1) : this.int(max + 1)
  }
}

export function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
