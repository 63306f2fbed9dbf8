import type { GossipSub, Message } from '@libp2p/gossipsub'

/** A peer of the mesh this peer heard from, directly or through others. */
export interface HeardMember {
  peerId: string
  /** When it was last heard from (ms since the epoch). */
  lastHeard: number
}

/** Members remembered at most; beyond it the one heard from longest ago is forgotten. */
const MAX_MEMBERS = 1024

/**
 * Who is in the mesh, beyond the peers connected to this one: every signed message that
 * gossipsub accepted on the mesh's topics (ops, state announcements, discovery announcements,
 * which every peer repeats) names its publisher, wherever it is in the mesh. A validated message
 * is from a peer that could publish on the topic: in a private mesh, one whose message opened.
 */
export class MeshMembers {
  readonly #pubsub: GossipSub
  readonly #topics: Set<string>
  readonly #self: string
  readonly #heard = new Map<string, number>()

  constructor (pubsub: GossipSub, topics: string[], self: string) {
    this.#pubsub = pubsub
    this.#topics = new Set(topics)
    this.#self = self
  }

  start (): void {
    this.#pubsub.addEventListener('message', this.#onMessage)
  }

  stop (): void {
    this.#pubsub.removeEventListener('message', this.#onMessage)
  }

  /** Counts `peer` as heard from now (a connected mesh peer is). */
  heard (peer: string, at = Date.now()): void {
    if (peer === this.#self) return
    this.#heard.delete(peer)
    this.#heard.set(peer, at)
    if (this.#heard.size > MAX_MEMBERS) this.#heard.delete(this.#heard.keys().next().value!)
  }

  /** The members heard from within the last `withinMs`, most recent first. */
  recent (withinMs: number, now = Date.now()): HeardMember[] {
    const members: HeardMember[] = []
    for (const [peerId, lastHeard] of this.#heard) {
      if (now - lastHeard <= withinMs) members.push({ peerId, lastHeard })
    }
    return members.sort((a, b) => b.lastHeard - a.lastHeard)
  }

  readonly #onMessage = (event: CustomEvent<Message>): void => {
    const message = event.detail
    if (message.type !== 'signed' || !this.#topics.has(message.topic)) return
    this.heard(message.from.toString())
  }
}
