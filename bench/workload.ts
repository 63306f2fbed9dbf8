// Deterministic workload data: every system gets byte-identical keys and values,
// so differences in the tables come from the systems, not from the data.

export const KEY_BYTES = 16
export const VALUE_BYTES = 128
/** Raw payload of one entry: what an ideal store or wire format would hold. */
export const ENTRY_BYTES = KEY_BYTES + VALUE_BYTES

/** A uint32 generator. */
export type Rng = () => number

/** sfc32: fast, small state, good enough statistical quality for benchmark data. */
export function createRng(seed: number): Rng {
  let a = 0x9e3779b9
  let b = 0x243f6a88
  let c = 0xb7e15162
  let d = seed >>> 0
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 15; i++) next() // mix the seed through the state
  return next
}

/** Fresh random bytes in their own buffer (stores may keep the reference). */
export function randomBytes(rng: Rng, length: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4))
  for (let i = 0; i < words.length; i++) words[i] = rng()
  return new Uint8Array(words.buffer, 0, length)
}

/** Uniform integer in [0, n). */
export function randomIndex(rng: Rng, n: number): number {
  return Math.floor((rng() / 0x1_0000_0000) * n)
}

export interface Entries {
  keys: Uint8Array[]
  values: Uint8Array[]
}

/** n random 16-byte keys with random 128-byte values. */
export function randomEntries(rng: Rng, n: number): Entries {
  const keys: Uint8Array[] = new Array(n)
  const values: Uint8Array[] = new Array(n)
  for (let i = 0; i < n; i++) {
    keys[i] = randomBytes(rng, KEY_BYTES)
    values[i] = randomBytes(rng, VALUE_BYTES)
  }
  return { keys, values }
}

/** k distinct indices out of [0, n), by a partial Fisher-Yates shuffle. */
export function randomSubset(rng: Rng, n: number, k: number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i)
  for (let i = 0; i < k; i++) {
    const j = i + randomIndex(rng, n - i)
    const swap = pool[i]
    pool[i] = pool[j]
    pool[j] = swap
  }
  return pool.slice(0, k)
}
