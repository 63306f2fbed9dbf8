import { fmix32 } from './dot-hash.ts'
import type { ClockSet } from './clock-set.ts'

// The digest of everything a replica has seen of one writer. Unlike the live digest (dot-hash.ts),
// whose dots each come with an entry's bytes, a seen set grows by claims: one diff frame of a few
// bytes may declare millions of seqs dead. So a seq's hash here is a cubic polynomial in the seq
// over the field of the prime 2^31 − 1, and the sum of the hashes over a run [a, b) has a closed
// form (Faulhaber's sums of powers): folding in a set costs work per run of its bitmap, never per
// seq. Two lanes with independent coefficients per writer; for two sets to agree in a lane by
// anything but chance (1 in 2^31 per lane) they must agree in size and in the sums of their seqs'
// first three powers, which no fewer than four differing seqs on each side can do. Like the live
// digest it guards against chance, not against a forger.

const P = 2147483647
const INV2 = 1073741824
const INV6 = 1789569706

const TWO_31 = 2147483648

/**
 * x mod P for an integer x in [0, 2^53): 2^31 ≡ 1 (mod P), so the bits above 31 fold onto the
 * low ones. No floating-point remainder (a library call in V8, 30–40 ns): a seq's hash takes
 * three products and was 130 ns with `%`, 35 ns like this.
 */
function reduce (x: number): number {
  const high = Math.floor(x / TWO_31)
  const r = x - high * TWO_31 + high
  return r >= P ? r - P : r
}

/** a + b mod P for a, b in [0, P). */
function add (a: number, b: number): number {
  const sum = a + b
  return sum >= P ? sum - P : sum
}

/** a·b mod P for a, b in [0, P), exact in doubles: the product is split at 16 bits of b. */
function mul (a: number, b: number): number {
  return reduce(reduce(a * (b >>> 16)) * 65536 + a * (b & 0xffff))
}

/** One lane: the coefficients of its polynomial and the running sum. */
class Lane {
  readonly c0: number
  readonly c1: number
  readonly c2: number
  readonly c3: number
  sum = 0

  constructor (seed: number) {
    this.c0 = fmix32(seed ^ 0x1b873593) % (P - 1) + 1
    this.c1 = fmix32(seed ^ 0x68e31da4) % (P - 1) + 1
    this.c2 = fmix32(seed ^ 0x2545f491) % (P - 1) + 1
    this.c3 = fmix32(seed ^ 0x5f356495) % (P - 1) + 1
  }

  hash (seq: number): number {
    const x = seq < P ? seq : seq % P
    return add(mul(add(mul(add(mul(this.c3, x), this.c2), x), this.c1), x), this.c0)
  }

  /** The sum of the hashes of the seqs 0 … n − 1. */
  prefix (n: number): number {
    const x = n < P ? n : n % P
    const xm1 = add(x, P - 1)
    const s1 = mul(mul(x, xm1), INV2)
    const s2 = mul(mul(mul(xm1, x), add(add(x, x), P - 1)), INV6)
    const s3 = mul(s1, s1)
    return add(add(mul(this.c0, x), mul(this.c1, s1)), add(mul(this.c2, s2), mul(this.c3, s3)))
  }

  add (value: number): void {
    this.sum = add(this.sum, value)
  }

  subtract (value: number): void {
    this.sum = add(this.sum, P - value)
  }
}

/** A digest of a set of seqs that follows single adds, ranges and whole sets in work per run. */
export class SeenDigest {
  readonly #a: Lane
  readonly #b: Lane

  constructor (seedA: number, seedB: number) {
    this.#a = new Lane(seedA)
    this.#b = new Lane(seedB)
  }

  get a (): number {
    return this.#a.sum
  }

  get b (): number {
    return this.#b.sum
  }

  addSeq (seq: number): void {
    this.#a.add(this.#a.hash(seq))
    this.#b.add(this.#b.hash(seq))
  }

  /** Adds every seq of `[start, end)`, none of them added before. */
  addRange (start: number, end: number): void {
    if (start >= end) return
    if (end - start === 1) {
      this.addSeq(start)
      return
    }
    this.#a.add(add(this.#a.prefix(end), P - this.#a.prefix(start)))
    this.#b.add(add(this.#b.prefix(end), P - this.#b.prefix(start)))
  }

  /** Adds every seq of `seqs`, none of them added before. */
  addSet (seqs: ClockSet): void {
    seqs.forEachRun((start, end) => { this.addRange(start, end) })
  }

  /** Takes out every seq of `seqs`, all of them added before. */
  subtractSet (seqs: ClockSet): void {
    seqs.forEachRun((start, end) => {
      if (end - start === 1) {
        this.#a.subtract(this.#a.hash(start))
        this.#b.subtract(this.#b.hash(start))
      } else {
        this.#a.subtract(add(this.#a.prefix(end), P - this.#a.prefix(start)))
        this.#b.subtract(add(this.#b.prefix(end), P - this.#b.prefix(start)))
      }
    })
  }
}
