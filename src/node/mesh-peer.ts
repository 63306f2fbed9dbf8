import { TypedEventEmitter } from 'main-event'
import { equals } from 'uint8arrays/equals'
import { DiffSync } from '../protocols/diff/diff-sync.ts'
import { DIFF_PROTOCOL, DiffRefusedError, type DiffFault } from '../protocols/diff/index.ts'
import { decodeTopicMessage, type TopicMessage } from '../protocols/topic/topic-message.ts'
import { SEAL_OVERHEAD } from '../protocols/topic/sealed-message.ts'
import { encodeAnnouncement } from '../protocols/wire/announcement-codec.ts'
import { ForeignDotError, InvalidMessageError } from '../store/errors.ts'
import { InvalidSignatureError } from '../store/writer-keys/errors.ts'
import { attributedStore, foreignDotIn } from './foreign-dots.ts'
import { AntiEntropy, type PullReason } from './anti-entropy.ts'
import { dialWithRetry } from './dial-with-retry.ts'
import { GapWatch } from './gap-watch.ts'
import { DiscoveryDialer } from './discovery-dialer.ts'
import { DEFAULT_MAX_MESSAGE_BYTES, fitGossipsub } from './gossip-limits.ts'
import { PeerMembership } from './membership/peer-membership.ts'
import { OpPublisher } from './op-publisher.ts'
import { RefusalCounter } from './refusal-counter.ts'
import { sharedDiffSync } from './shared-diff-sync.ts'
import { StateAnnouncer } from './state-announcer.ts'
import type { MemStore } from '../store/mem-store.ts'
import type { Dot } from '../store/types.ts'
import type { OpsEvent } from '../store/ops-event.ts'
import type { ForeignDotEvent } from '../store/foreign-dot-event.ts'
import type { MeshPeerEvents, MeshPeerOptions, MeshPeerStats } from './mesh-peer-types.ts'
import type { MeshProof } from '../protocols/proof/index.ts'
import { TopicValidatorResult, type GossipSub, type GossipsubMessage, type Message } from '@libp2p/gossipsub'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { AbortOptions, Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'

export type { MeshPeerOptions, MeshPeerEvents, MeshPeerStats, SyncDetail, SyncErrorDetail, ForeignDotDetail } from './mesh-peer-types.ts'

/** A libp2p node a mesh peer can run on: gossipsub registered as `services.pubsub`. */
export type MeshLibp2p = Libp2p<{ pubsub: GossipSub, diffSync?: DiffSync, meshProof?: MeshProof }>

/**
 * One store's membership of a mesh: publishes local commits as ops on the mesh's topic,
 * integrates the ops others publish, and pulls state diffs to repair what gossip lost. Made by
 * {@link createMeshPeer}.
 */
export class MeshPeer<K = Uint8Array, V = Uint8Array> extends TypedEventEmitter<MeshPeerEvents> {
  readonly store: MemStore<K, V>
  readonly mesh: string
  readonly topic: string
  readonly #node: MeshLibp2p
  readonly #ownsNode: boolean
  readonly #ownsStore: boolean
  readonly #options: MeshPeerOptions
  readonly #log: Logger
  readonly #decoded = new WeakMap<Message, TopicMessage>()
  readonly #publisher: OpPublisher
  readonly #antiEntropy: AntiEntropy
  readonly #gapWatch: GapWatch
  readonly #dialer: DiscoveryDialer | undefined
  readonly #maxMessageBytes: number
  readonly #refusals = new RefusalCounter()
  readonly #membership: PeerMembership
  readonly #stats: Omit<MeshPeerStats, 'connectedPeers' | 'lastSync' | 'diffServed' | 'diffRefused' | 'diffServeFailures' | 'refusedByPeer'> & { lastSync: Map<string, number> } = {
    opsSent: 0,
    opsReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    topicBytesSent: 0,
    topicBytesReceived: 0,
    invalidMessages: 0,
    foreignDots: 0,
    diffRounds: 0,
    diffFailures: 0,
    diffBytesSent: 0,
    diffBytesReceived: 0,
    dialRetries: 0,
    dialFailures: 0,
    lastSync: new Map()
  }

  #diff: DiffSync | undefined
  #releaseDiff: (() => Promise<void>) | undefined
  #topologyId: string | undefined
  #pendingOps: TopicMessage[] = []
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  readonly #announcer: StateAnnouncer
  /** The state hash at the last periodic tick: a state that has not moved since skips the pull. */
  #periodicHash: Uint8Array | undefined
  /** Resolves when the connect pull under way ends. */
  #connectPull: Promise<void> | undefined
  /** The state hash a neighbour announced last. */
  #lastHeard: Uint8Array | undefined
  #started = false
  /** The peer whose diff the store is integrating right now, if any. */
  #pulling: PeerId | undefined

  constructor (store: MemStore<K, V>, node: MeshLibp2p, ownsNode: boolean, options: MeshPeerOptions = {}, ownsStore = false) {
    super()
    this.store = store
    this.#ownsStore = ownsStore
    this.mesh = options.mesh ?? 'default'
    this.#membership = new PeerMembership(this.mesh, options.meshKey, options.topic)
    this.topic = this.#membership.topic
    this.#node = node
    this.#ownsNode = ownsNode
    this.#options = options
    this.#log = node.logger.forComponent(`roaring-mesh:peer:${this.mesh}`)
    this.#maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    this.#publisher = new OpPublisher((message) => this.#publish(message), {
      windowMs: options.coalesceMs ?? 4,
      maxMessageBytes: this.#maxMessageBytes,
      // An op too large for a message reaches neighbours by a pull: the announcer tells them
      // the new state hash once it settled, and those that differ pull it.
      oversized: () => {}
    })
    this.#antiEntropy = new AntiEntropy((peer, reason, signal) => this.#pullFrom(peer, reason, signal), {
      interval: options.antiEntropy?.interval ?? 30_000,
      jitter: options.antiEntropy?.jitter ?? 10_000,
      minTriggeredInterval: options.antiEntropy?.minTriggeredInterval ?? 1000,
      idle: () => this.#idleSincePeriodic()
    })
    this.#gapWatch = new GapWatch(this.store, (source) => { this.#antiEntropy.trigger(source, 'gap') }, options.gapGraceMs ?? 1000)
    this.#announcer = new StateAnnouncer(
      () => this.store.stateHash(),
      (hash) => { this.#publish(encodeAnnouncement(hash)) },
      (peer) => { this.#antiEntropy.trigger(peer, 'announcement') },
      { settleMs: options.announce?.settleMs ?? 500, jitterMs: options.announce?.jitterMs ?? 250 }
    )
    if (options.connections !== false) {
      const { target, minBackoff, maxBackoff, jitter } = options.connections ?? {}
      this.#dialer = new DiscoveryDialer(node, { targetConnections: target, minBackoff, maxBackoff, jitter, forgetStrangers: true })
    }
  }

  /** The libp2p node this peer runs on. */
  get libp2p (): MeshLibp2p {
    return this.#node
  }

  isStarted (): boolean {
    return this.#started
  }

  async start (): Promise<void> {
    if (this.#started) return
    const pubsub = this.#node.services.pubsub
    // Before the node starts, so that the first streams already read with the mesh's limit.
    fitGossipsub(pubsub, this.topic, this.#maxMessageBytes)
    if (this.#ownsNode) await this.#node.start()
    if (this.#node.services.diffSync instanceof DiffSync) {
      this.#diff = this.#node.services.diffSync
    } else {
      const shared = await sharedDiffSync(this.#node, this.#options.diff)
      this.#diff = shared.diffSync
      this.#releaseDiff = shared.release
    }
    this.#membership.attach(this.#node.services.meshProof, this.#diff, (connection) => { void this.#joinIfKnown(connection) })
    this.#diff.serve(this.mesh, this.store)
    this.#diff.addEventListener('fault', this.#onDiffFault)
    pubsub.topicValidators.set(this.topic, this.#validate)
    pubsub.addEventListener('gossipsub:message', this.#onMessage)
    pubsub.subscribe(this.topic)
    this.store.addEventListener('ops', this.#onLocalOps)
    this.store.addEventListener('foreign-dot', this.#onForeignDot)
    this.#antiEntropy.start()
    this.#announcer.start()
    this.#topologyId = await this.#node.register(DIFF_PROTOCOL, {
      onConnect: (peer) => this.#onPeerConnect(peer),
      onDisconnect: (peer) => this.#onPeerDisconnect(peer)
    })
    this.#started = true
    this.#node.addEventListener('connection:open', this.#onConnectionOpen)
    // Peers connected before we registered get no onConnect.
    for (const connection of this.#node.getConnections()) await this.#joinIfKnown(connection)
    this.#dialer?.start()
    this.#log('started on topic %s', this.topic)
  }

  /**
   * The topology reports a peer once identify ran on a connection. A direct connection that
   * replaces a relayed one (WebRTC) is sometimes not identified again, so a full connection to a
   * peer already known to speak the diff protocol joins it too.
   */
  readonly #onConnectionOpen = (event: CustomEvent<Connection>): void => {
    void this.#joinIfKnown(event.detail)
  }

  async #joinIfKnown (connection: Connection): Promise<void> {
    if (connection.limits != null || !this.#started) return
    const peer = connection.remotePeer
    const known = await this.#node.peerStore.get(peer).catch(() => undefined)
    if (known?.protocols.includes(DIFF_PROTOCOL) === true && this.#started) this.#onPeerConnect(peer)
  }

  /**
   * Sends what is pending, ends pulls, timers and subscriptions; stops the libp2p node and
   * closes the store if this peer made them.
   */
  async stop (): Promise<void> {
    if (!this.#started) return
    this.#started = false
    this.#dialer?.stop()
    this.store.removeEventListener('ops', this.#onLocalOps)
    this.store.removeEventListener('foreign-dot', this.#onForeignDot)
    this.#publisher.stop()
    this.#announcer.stop()
    clearTimeout(this.#retryTimer)
    this.#gapWatch.stop()
    this.#retryTimer = undefined
    if (this.#topologyId != null) this.#node.unregister(this.#topologyId)
    await this.#antiEntropy.stop()
    const pubsub = this.#node.services.pubsub
    pubsub.removeEventListener('gossipsub:message', this.#onMessage)
    this.#node.removeEventListener('connection:open', this.#onConnectionOpen)
    if (pubsub.getTopics().includes(this.topic)) pubsub.unsubscribe(this.topic)
    pubsub.topicValidators.delete(this.topic)
    this.#diff?.unserve(this.mesh)
    this.#diff?.removeEventListener('fault', this.#onDiffFault)
    this.#membership.detach()
    await this.#releaseDiff?.()
    if (this.#ownsNode) await this.#node.stop()
    // A store the peer opened (createMeshPeer's dataDir) is flushed and closed with it.
    if (this.#ownsStore && 'close' in this.store && typeof this.store.close === 'function') await this.store.close()
    this.#log('stopped')
  }

  stats (): MeshPeerStats {
    const { lastSync, ...counters } = this.#stats
    const served = this.#diff?.stats()
    return {
      ...counters,
      diffServed: served?.served ?? 0,
      diffRefused: served?.refused ?? 0,
      diffServeFailures: served?.failed ?? 0,
      lastSync: Object.fromEntries(lastSync),
      refusedByPeer: this.#refusals.snapshot(),
      connectedPeers: this.#antiEntropy.peers.map(String)
    }
  }

  /** Pulls from one peer now and resolves when done (normally the peer decides when to pull). */
  async syncWith (peer: PeerId): Promise<void> {
    await this.#antiEntropy.pull(peer, 'periodic')
  }

  /**
   * Connects to a peer by address; the peer joins the mesh once identify shows it speaks the
   * diff protocol. A failed attempt is retried twice (WebRTC through a relay occasionally never
   * completes a dial), each bounded by `timeout`; retries and failures show in {@link stats} and the log.
   */
  async dial (address: Multiaddr | string, options: AbortOptions & { timeout?: number } = {}): Promise<Connection> {
    const target = typeof address === 'string' ? multiaddr(address) : address
    try {
      return await dialWithRetry(this.#node, target, {
        timeout: options.timeout ?? 10_000,
        signal: options.signal,
        log: this.#log,
        onRetry: () => { this.#stats.dialRetries++ }
      })
    } catch (err) {
      this.#stats.dialFailures++
      this.#log.error('could not dial %a - %e', target, err)
      throw err
    }
  }

  #onPeerConnect (peer: PeerId): void {
    // In a private mesh a peer joins once it proved the key (the proof's `member` event).
    if (this.#antiEntropy.peers.some((p) => p.equals(peer)) || !this.#membership.admits(peer)) return
    this.#log('mesh peer %p connected', peer)
    this.#dialer?.remember(peer)
    this.#antiEntropy.connected(peer)
    this.safeDispatchEvent('peer:connect', { detail: peer })
  }

  #onPeerDisconnect (peer: PeerId): void {
    this.#log('mesh peer %p disconnected', peer)
    this.#antiEntropy.disconnected(peer)
    this.safeDispatchEvent('peer:disconnect', { detail: peer })
  }

  readonly #onLocalOps = (event: OpsEvent): void => {
    this.#stats.opsSent += event.ops.length
    this.#publisher.push(event.ops)
  }

  #publish (plain: Uint8Array): void {
    const message = this.#membership.seal(plain)
    this.#stats.messagesSent++
    this.#stats.topicBytesSent += message.byteLength
    this.#node.services.pubsub.publish(this.topic, message).catch((err: Error) => {
      // Nobody to send to (yet): the data is in the store and anti-entropy delivers it later.
      this.#log('publish on %s failed - %e', this.topic, err)
    })
  }

  #decode (msg: Message): TopicMessage {
    let decoded = this.#decoded.get(msg)
    if (decoded == null) {
      decoded = decodeTopicMessage(this.#membership.open(msg.data))
      this.#decoded.set(msg, decoded)
    }
    return decoded
  }

  /**
   * Gossipsub asks before it delivers or forwards a message. Reject, which scores the peer that
   * forwarded it down until it is pruned and graylisted, is for what no honest peer sends: a
   * malformed or oversized message. Ignore, without penalty, is for what depends on our own
   * state: a message arriving while this peer starts or stops.
   */
  readonly #validate = async (peer: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    if (!this.#started) return TopicValidatorResult.Ignore
    // A peer that has not proven the mesh key is not heard, whatever it forwards.
    if (!this.#membership.admits(peer)) return TopicValidatorResult.Ignore
    try {
      // A private mesh's seal adds its nonce and tag to what the publisher held to the limit.
      if (msg.data.byteLength > this.#maxMessageBytes + SEAL_OVERHEAD) throw new InvalidMessageError(`a message of ${msg.data.byteLength} bytes, beyond the mesh's ${this.#maxMessageBytes}`)
      const message = this.#decode(msg)
      const dot = message.kind === 'ops' ? foreignDotIn(message.ops, this.store) : undefined
      // Not signed by the writer its dots name: no honest peer forwards that (each checks first).
      if (dot == null && message.kind === 'ops' && !await this.store.verifyOps(message.ops)) throw new InvalidSignatureError('ops not signed by their writer\'s key')
      if (dot == null) return TopicValidatorResult.Accept
      this.#reportForeign(msg.type === 'signed' ? msg.from : peer, new ForeignDotError(dot.seq, `a topic message names seq ${dot.seq} of this replica (${this.store.replicaId}), which it never issued`))
      return TopicValidatorResult.Ignore
    } catch (err) {
      this.#stats.invalidMessages++
      this.#refusals.count(peer.toString(), 'topicMessages')
      this.#log.error('rejecting a malformed message from %p on %s - %e', peer, this.topic, err)
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
    this.#stats.messagesReceived++
    this.#stats.topicBytesReceived += msg.data.byteLength
    if (message.kind === 'announcement') {
      this.#lastHeard = message.stateHash
      this.#announcer.heard(message.stateHash, propagationSource)
      return
    }
    this.#stats.opsReceived += message.ops.length
    this.#pendingOps.push(message)
    this.#integratePending(propagationSource)
  }

  /** Integrates received ops, or waits for the app's open transaction to end. */
  #integratePending (source: PeerId): void {
    if (this.store.inTransaction) {
      // One retry timer at a time; it takes everything that queued up meanwhile.
      if (this.#retryTimer == null) {
        this.#retryTimer = setTimeout(() => {
          this.#retryTimer = undefined
          if (this.#started) this.#integratePending(source)
        }, 5)
      }
      return
    }
    const pending = this.#pendingOps
    this.#pendingOps = []
    let gap: Dot | undefined
    for (const message of pending) {
      if (message.kind !== 'ops') continue
      try {
        this.store.integrateOps(message.ops)
      } catch (err) {
        if (err instanceof ForeignDotError) {
          this.#reportForeign(source, err)
          continue
        }
        this.#stats.invalidMessages++
        this.#refusals.count(source.toString(), 'topicMessages')
        this.#log.error('could not integrate ops from %p - %e', source, err)
        continue
      }
      // Every seq of a writer is a set: one below a set we got that we never saw was lost.
      for (const op of message.ops) {
        if (op.kind === 'set' && op.dot.seq > 1 && !this.store.hasSeen({ replica: op.dot.replica, seq: op.dot.seq - 1 })) gap = { replica: op.dot.replica, seq: op.dot.seq - 1 }
      }
    }
    if (gap != null) this.#gapWatch.add(gap, source)
  }

  async #pullFrom (peer: PeerId, reason: PullReason, signal: AbortSignal): Promise<void> {
    const diff = this.#diff
    if (diff == null) return
    // On connect or a gap we know we lack something: skip the summary round.
    let summary = reason === 'periodic' || reason === 'announcement'
    if (reason === 'connect' && this.#connectPull != null) {
      // A peer joining a mesh meets several neighbours at once, and each would stream it the
      // whole state: one full pull at a time, and the others, once it is done, ask by summary.
      await this.#connectPull
      summary = true
    }
    const started = performance.now()
    const fullOnConnect = reason === 'connect' && !summary
    let release = (): void => {}
    if (fullOnConnect) this.#connectPull = new Promise((resolve) => { release = resolve })
    try {
      const store = attributedStore(this.store, peer, (from) => { this.#pulling = from })
      const result = await diff.pull(peer, this.mesh, store, { signal, summary })
      this.#stats.diffRounds++
      this.#stats.diffBytesSent += result.bytesSent
      this.#stats.diffBytesReceived += result.bytesReceived
      this.#stats.lastSync.set(peer.toString(), Date.now())
      this.safeDispatchEvent('sync', { detail: { peer, reason, result, durationMs: performance.now() - started } })
    } catch (err: any) {
      if (signal.aborted) return
      if (err instanceof DiffRefusedError && err.reason === 'rate-limited') this.#antiEntropy.backOff(peer, err.retryAfterMs ?? 1000)
      this.#stats.diffFailures++
      this.#log.error('pull from %p (%s) failed - %e', peer, reason, err)
      this.safeDispatchEvent('sync:error', { detail: { peer, reason, error: err } })
    } finally {
      if (fullOnConnect) {
        this.#connectPull = undefined
        release()
      }
    }
  }

  /** A diff the store integrated named foreign dots; it left them out. */
  readonly #onForeignDot = (event: ForeignDotEvent): void => {
    this.#reportForeign(this.#pulling, event.error)
  }

  #reportForeign (peer: PeerId | undefined, error: ForeignDotError): void {
    this.#stats.foreignDots++
    if (peer != null) this.#refusals.count(peer.toString(), 'foreignDots')
    this.#log.error('refused dots of our own replica id from %s - %e', peer?.toString() ?? 'an app call', error)
    this.safeDispatchEvent('foreign-dot', { detail: { peer, error } })
  }

  /** Tallies, per remote peer, what the diff protocol refused of this mesh (or of no mesh in particular). */
  readonly #onDiffFault = (event: CustomEvent<DiffFault>): void => {
    const { peer, kind, mesh } = event.detail
    if (mesh != null && mesh !== this.mesh) return
    this.#refusals.count(peer.toString(), kind === 'frame' ? 'diffFrames' : kind === 'rate-limited' ? 'rateLimited' : 'diffRequests')
  }

  /**
   * True when a periodic pull would find nothing: the state has not moved since the last tick,
   * or the last announcement heard names this very state (after a burst, the neighbours' settled
   * announcements confirm agreement). An idle mesh pulls nothing.
   */
  #idleSincePeriodic (): boolean {
    const hash = this.store.stateHash()
    const idle = (this.#periodicHash != null && equals(hash, this.#periodicHash)) || (this.#lastHeard != null && equals(hash, this.#lastHeard))
    this.#periodicHash = hash
    return idle
  }
}
