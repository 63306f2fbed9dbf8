/** How fast one peer may ask for full diffs: a token bucket. */
export interface PullRate {
  /** Full requests a peer may make back to back before the rate applies. @default 10 */
  burst: number
  /** Full requests per second a peer may sustain. @default 2 */
  perSecond: number
}

interface Bucket {
  tokens: number
  at: number
}

/**
 * One token bucket per remote peer, for the requests that make the responder build a diff.
 * Honest anti-entropy asks a given peer about once a second at most when triggered by traffic
 * and every ~30 s otherwise, so the default rate (2/s, bursts of 10) leaves it alone while a
 * peer pulling in a loop gets a refusal and a time to come back.
 *
 * Buckets are kept for the `maxPeers` most recently seen peers: one evicted comes back with a
 * full bucket, which costs an attacker a new identity and connection per burst.
 */
export class PullRateLimiter {
  readonly #rate: PullRate
  readonly #maxPeers: number
  readonly #buckets = new Map<string, Bucket>()

  constructor (rate: PullRate, maxPeers = 1024) {
    this.#rate = rate
    this.#maxPeers = maxPeers
  }

  /** Takes a token for `peer`: 0 when granted, else the ms until one is available. */
  take (peer: string, now = Date.now()): number {
    const { burst, perSecond } = this.#rate
    let bucket = this.#buckets.get(peer)
    if (bucket == null) {
      bucket = { tokens: burst, at: now }
    } else {
      // Re-inserted so the map's order is least recently used first.
      this.#buckets.delete(peer)
      bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) * perSecond / 1000)
      bucket.at = now
    }
    this.#buckets.set(peer, bucket)
    if (this.#buckets.size > this.#maxPeers) this.#buckets.delete(this.#buckets.keys().next().value!)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return Math.ceil((1 - bucket.tokens) * 1000 / perSecond)
  }
}
