import type { Hlc } from './types.ts'

export const MAX_WALL = 2 ** 48 - 1
export const MAX_COUNTER = 0xffff

export interface HybridClockOptions {
  /** Wall clock in milliseconds. @default Date.now */
  now?: () => number
  /**
   * How far ahead of the local wall clock a remote timestamp may be and still advance the local
   * clock, in milliseconds. Writes from further ahead are integrated, but do not drag this clock
   * (and every later local write) into the future. @default 60000
   */
  maxDrift?: number
}

/** Orders two timestamps: negative, zero or positive. */
export function compareHlc (a: Hlc, b: Hlc): number {
  return a.wall !== b.wall ? a.wall - b.wall : a.counter - b.counter
}

/** A hybrid logical clock: monotonic, close to wall time, and ahead of every remote write it has seen. */
export class HybridClock {
  private wall = 0
  private counter = 0
  private readonly now: () => number
  private readonly maxDrift: number

  constructor (options: HybridClockOptions = {}) {
    this.now = options.now ?? Date.now
    this.maxDrift = options.maxDrift ?? 60_000
  }

  /** The timestamp for a new local write: greater than every timestamp returned or observed before. */
  next (): Hlc {
    const now = Math.min(Math.floor(this.now()), MAX_WALL)
    if (now > this.wall) {
      this.wall = now
      this.counter = 0
    } else if (this.counter < MAX_COUNTER) {
      this.counter++
    } else {
      this.wall++
      this.counter = 0
    }
    return { wall: this.wall, counter: this.counter }
  }

  /** Takes a remote timestamp into account, unless it is further ahead than `maxDrift`. */
  observe (remote: Hlc): void {
    if (remote.wall > this.now() + this.maxDrift) return
    if (remote.wall > this.wall || (remote.wall === this.wall && remote.counter > this.counter)) {
      this.wall = remote.wall
      this.counter = remote.counter
    }
  }

  /** Moves up to a saved timestamp (a persistent store reopening), even one beyond `maxDrift`. */
  restore (time: Hlc): void {
    if (compareHlc(time, this.peek()) > 0) {
      this.wall = time.wall
      this.counter = time.counter
    }
  }

  /** The last timestamp issued or observed. */
  peek (): Hlc {
    return { wall: this.wall, counter: this.counter }
  }
}
