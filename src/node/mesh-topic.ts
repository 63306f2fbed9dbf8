import { decodeTopicMessage, type TopicMessage } from '../protocols/topic/topic-message.ts'
import { SEAL_OVERHEAD } from '../protocols/topic/sealed-message.ts'
import { ForeignDotError, InvalidMessageError } from '../store/errors.ts'
import { InvalidSignatureError } from '../store/writer-keys/errors.ts'
import { foreignDotIn } from './foreign-dots.ts'
import { fitGossipsub } from './gossip-limits.ts'
import { TopicValidatorResult, type GossipSub, type GossipsubMessage, type Message } from '@libp2p/gossipsub'
import type { PeerMembership } from './membership/peer-membership.ts'
import type { Dot, Op, ReplicaId } from '../store/types.ts'
import type { Logger, PeerId } from '@libp2p/interface'

/** What the topic hands on, and what it refused. */
export interface MeshTopicEvents {
  /** Ops to integrate, from the peer that forwarded them to us. */
  ops: (ops: readonly Op[], source: PeerId) => void
  /** A peer's settled state hash. */
  announcement: (stateHash: Uint8Array, source: PeerId) => void
  /** A message named a dot of our own id that we never issued; it was ignored, not passed on. */
  foreign: (publisher: PeerId, error: ForeignDotError) => void
  /** A malformed or oversized message from `peer`, rejected (gossipsub scores its forwarder down). */
  invalid: (peer: PeerId, error: unknown) => void
}

/** The topic's own counters, a part of the peer's stats. */
export interface MeshTopicStats {
  messagesSent: number
  messagesReceived: number
  topicBytesSent: number
  topicBytesReceived: number
}

export interface MeshTopicInit {
  pubsub: () => GossipSub
  membership: PeerMembership
  store: { readonly replicaId: ReplicaId, hasSeen: (dot: Dot) => boolean, verifyOps: (ops: readonly Op[]) => Promise<boolean> }
  maxMessageBytes: number
  log: Logger
  events: MeshTopicEvents
}

/**
 * A mesh peer's half on gossipsub: the topic's limits, its validator, sealing and decoding each
 * message once, publishing, and handing what arrives to the peer.
 */
export class MeshTopic {
  readonly topic: string
  readonly stats: MeshTopicStats = { messagesSent: 0, messagesReceived: 0, topicBytesSent: 0, topicBytesReceived: 0 }
  readonly #init: MeshTopicInit
  readonly #decoded = new WeakMap<Message, TopicMessage>()
  #listening = false

  constructor (init: MeshTopicInit) {
    this.#init = init
    this.topic = init.membership.topic
  }

  /** Before the node starts, so that its first streams already read with the mesh's limit. */
  fit (): void {
    fitGossipsub(this.#init.pubsub(), this.topic, this.#init.maxMessageBytes)
  }

  start (): void {
    const pubsub = this.#init.pubsub()
    this.#listening = true
    pubsub.topicValidators.set(this.topic, this.#validate)
    pubsub.addEventListener('gossipsub:message', this.#onMessage)
    pubsub.subscribe(this.topic)
  }

  stop (): void {
    this.#listening = false
    const pubsub = this.#init.pubsub()
    pubsub.removeEventListener('gossipsub:message', this.#onMessage)
    if (pubsub.getTopics().includes(this.topic)) pubsub.unsubscribe(this.topic)
    pubsub.topicValidators.delete(this.topic)
  }

  publish (plain: Uint8Array): void {
    const message = this.#init.membership.seal(plain)
    this.stats.messagesSent++
    this.stats.topicBytesSent += message.byteLength
    this.#init.pubsub().publish(this.topic, message).catch((err: Error) => {
      // Nobody to send to (yet): the data is in the store and anti-entropy delivers it later.
      this.#init.log('publish on %s failed - %e', this.topic, err)
    })
  }

  #decode (msg: Message): TopicMessage {
    let decoded = this.#decoded.get(msg)
    if (decoded == null) {
      decoded = decodeTopicMessage(this.#init.membership.open(msg.data))
      this.#decoded.set(msg, decoded)
    }
    return decoded
  }

  /**
   * Gossipsub asks before it delivers or forwards a message. Reject, which scores the peer that
   * forwarded it down until it is pruned and graylisted, is for what no honest peer sends: a
   * malformed or oversized message, or ops not signed by their writer (every peer checks before
   * it forwards, so only a forger sends them). Ignore, without penalty, is for what depends on
   * our own state: a message arriving while this peer starts or stops, or naming our own
   * unissued dots.
   */
  readonly #validate = async (peer: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    if (!this.#listening) return TopicValidatorResult.Ignore
    const { membership, maxMessageBytes, store, events } = this.#init
    // A peer that has not proven the mesh key is not heard, whatever it forwards.
    if (!membership.admits(peer)) return TopicValidatorResult.Ignore
    try {
      // A private mesh's seal adds its nonce and tag to what the publisher held to the limit.
      if (msg.data.byteLength > maxMessageBytes + SEAL_OVERHEAD) throw new InvalidMessageError(`a message of ${msg.data.byteLength} bytes, beyond the mesh's ${maxMessageBytes}`)
      const message = this.#decode(msg)
      const dot = message.kind === 'ops' ? foreignDotIn(message.ops, store) : undefined
      if (dot == null && message.kind === 'ops' && !await store.verifyOps(message.ops)) throw new InvalidSignatureError('ops not signed by their writer\'s key')
      if (dot == null) return TopicValidatorResult.Accept
      events.foreign(msg.type === 'signed' ? msg.from : peer, new ForeignDotError(dot.seq, `a topic message names seq ${dot.seq} of this replica (${store.replicaId}), which it never issued`))
      return TopicValidatorResult.Ignore
    } catch (err) {
      events.invalid(peer, err)
      return TopicValidatorResult.Reject
    }
  }

  readonly #onMessage = (event: CustomEvent<GossipsubMessage>): void => {
    const { msg, propagationSource } = event.detail
    if (msg.topic !== this.topic) return
    let message: TopicMessage
    try {
      message = this.#decode(msg)
    } catch {
      return
    }
    this.stats.messagesReceived++
    this.stats.topicBytesReceived += msg.data.byteLength
    if (message.kind === 'announcement') this.#init.events.announcement(message.stateHash, propagationSource)
    else this.#init.events.ops(message.ops, propagationSource)
  }
}
