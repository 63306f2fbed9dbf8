/** What one remote peer sent that this peer refused, by kind. */
export interface RefusedInputs {
  /** Topic messages refused as malformed (or oversized), by the peer that forwarded them to us. */
  topicMessages: number
  /** Diff frames of a pull of ours that failed to decode or integrate: a faulty responder. */
  diffFrames: number
  /** Diff streams it opened that we refused or cut off while reading the request (garbage, oversized, undecodable, too slow). */
  diffRequests: number
  /** Full diff requests of its refused for exceeding the pull rate. */
  rateLimited: number
  /** Ops carrying dots of a replica the sender may not write for. */
  foreignDots: number
  /** Diff groups of a pull of ours that claimed deaths beyond what the writer's key attested. */
  deaths: number
  /** All of the above. */
  total: number
}

export type RefusalKind = Exclude<keyof RefusedInputs, 'total'>

/**
 * Counts refused inputs per remote peer, so an app can see who misbehaves and block it (a
 * connection gater, `hangUp`). An attacker can make identities at will, so only the
 * `maxPeers` peers refused most recently are kept: the oldest entry goes first.
 */
export class RefusalCounter {
  readonly #maxPeers: number
  readonly #byPeer = new Map<string, RefusedInputs>()

  /** @param maxPeers - peers to keep counts for. @default 1024 */
  constructor (maxPeers = 1024) {
    this.#maxPeers = maxPeers
  }

  /** Counts one refused input of `kind` from `peer` (a peer id string). */
  count (peer: string, kind: RefusalKind): void {
    let counts = this.#byPeer.get(peer)
    if (counts == null) {
      counts = { topicMessages: 0, diffFrames: 0, diffRequests: 0, rateLimited: 0, foreignDots: 0, deaths: 0, total: 0 }
    } else {
      // Re-inserted so that the map's order is least recently refused first.
      this.#byPeer.delete(peer)
    }
    counts[kind]++
    counts.total++
    this.#byPeer.set(peer, counts)
    if (this.#byPeer.size > this.#maxPeers) this.#byPeer.delete(this.#byPeer.keys().next().value!)
  }

  /** A copy of the counts, by peer id. */
  snapshot (): Record<string, RefusedInputs> {
    const out: Record<string, RefusedInputs> = {}
    for (const [peer, counts] of this.#byPeer) out[peer] = { ...counts }
    return out
  }
}
