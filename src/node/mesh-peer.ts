import { TypedEventEmitter } from 'main-event'
import { DIFF_PROTOCOL } from '../protocols/diff/index.ts'
import { encodeAnnouncement } from '../protocols/wire/announcement-codec.ts'
import { AntiEntropy } from './anti-entropy.ts'
import { dialWithRetry } from './dial-with-retry.ts'
import { GapWatch } from './gap-watch.ts'
import { DiscoveryDialer } from './discovery-dialer.ts'
import { DEFAULT_MAX_MESSAGE_BYTES } from './gossip-limits.ts'
import { PeerMembership } from './membership/peer-membership.ts'
import { MeshPuller } from './mesh-puller.ts'
import { MeshTopic } from './mesh-topic.ts'
import { OpIntake } from './op-intake.ts'
import { OpPublisher } from './op-publisher.ts'
import { PeerFaults } from './peer-faults.ts'
import { diffMeshName } from './unsigned-mesh.ts'
import { meshDiffSync } from './mesh-diff-sync.ts'
import { StateAnnouncer } from './state-announcer.ts'
import type { DiffSync } from '../protocols/diff/diff-sync.ts'
import type { ReplicaStore } from '../store/replica-store.ts'
import type { OpsEvent } from '../store/ops-event.ts'
import type { MeshPeerEvents, MeshPeerOptions, MeshPeerStats } from './mesh-peer-types.ts'
import type { MeshProof } from '../protocols/proof/index.ts'
import type { GossipSub } from '@libp2p/gossipsub'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { AbortOptions, Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'

export type { MeshPeerOptions, MeshPeerEvents, MeshPeerStats, SyncDetail, SyncErrorDetail, ForeignDotDetail, EquivocationDetail } from './mesh-peer-types.ts'

/** A libp2p node a mesh peer can run on: gossipsub registered as `services.pubsub`. */
export type MeshLibp2p = Libp2p<{ pubsub: GossipSub, diffSync?: DiffSync, meshProof?: MeshProof }>

/**
 * One store's membership of a mesh: publishes local commits as ops on the mesh's topic,
 * integrates the ops others publish, and pulls state diffs to repair what gossip lost. Made by
 * {@link createMeshPeer}.
 */
export class MeshPeer<K = Uint8Array, V = Uint8Array> extends TypedEventEmitter<MeshPeerEvents> {
  readonly store: ReplicaStore<K, V>
  readonly mesh: string
  readonly topic: string
  /** The name diffs are served and pulled under: the mesh's, or an unsigned store's own. */
  readonly #diffMesh: string
  readonly #node: MeshLibp2p
  readonly #ownsNode: boolean
  readonly #ownsStore: boolean
  readonly #options: MeshPeerOptions
  readonly #log: Logger
  readonly #topic: MeshTopic
  readonly #intake: OpIntake<PeerId>
  readonly #publisher: OpPublisher
  readonly #antiEntropy: AntiEntropy
  readonly #gapWatch: GapWatch
  readonly #dialer: DiscoveryDialer | undefined
  readonly #faults: PeerFaults
  readonly #membership: PeerMembership
  readonly #puller: MeshPuller
  readonly #stats = { opsSent: 0, opsReceived: 0, invalidMessages: 0, foreignDots: 0, equivocations: 0, deathsRefused: 0, dialRetries: 0, dialFailures: 0 }

  #diff: DiffSync | undefined
  #releaseDiff: (() => Promise<void>) | undefined
  #topologyId: string | undefined
  readonly #announcer: StateAnnouncer
  #started = false

  constructor (store: ReplicaStore<K, V>, node: MeshLibp2p, ownsNode: boolean, options: MeshPeerOptions = {}, ownsStore = false) {
    super()
    this.store = store
    this.#ownsStore = ownsStore
    this.mesh = options.mesh ?? 'default'
    this.#diffMesh = diffMeshName(this.mesh, store.writerKeys !== false)
    this.#membership = new PeerMembership(this.mesh, options.meshKey, options.topic, store.writerKeys !== false)
    this.#node = node
    this.#ownsNode = ownsNode
    this.#options = options
    this.#log = node.logger.forComponent(`roaring-mesh:peer:${this.mesh}`)
    this.#faults = new PeerFaults({ stats: this.#stats, log: this.#log, events: this, diffMesh: this.#diffMesh, pulling: () => this.#puller.pulling })
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    this.#topic = new MeshTopic({
      pubsub: () => this.#node.services.pubsub,
      membership: this.#membership,
      store,
      maxMessageBytes,
      log: this.#log,
      events: {
        ops: (ops, source) => {
          this.#stats.opsReceived += ops.length
          this.#intake.receive(ops, source)
        },
        announcement: (hash, source) => {
          this.#puller.heard(hash)
          this.#announcer.heard(hash, source)
        },
        foreign: (publisher, error) => { this.#faults.foreign(publisher, error) },
        invalid: (peer, error) => {
          this.#faults.invalid(peer)
          this.#log.error('rejecting a malformed message from %p on %s - %e', peer, this.topic, error)
        }
      }
    })
    this.topic = this.#topic.topic
    this.#intake = new OpIntake<PeerId>(store, {
      foreign: (source, error) => { this.#faults.foreign(source, error) },
      invalid: (source, error) => {
        this.#faults.invalid(source)
        this.#log.error('could not integrate ops from %p - %e', source, error)
      },
      gap: (dot, source) => { this.#gapWatch.add(dot, source) }
    })
    this.#publisher = new OpPublisher((message) => { this.#topic.publish(message) }, {
      windowMs: options.coalesceMs ?? 4,
      maxMessageBytes,
      // An op too large for a message reaches neighbours by a pull: the announcer tells them
      // the new state hash once it settled, and those that differ pull it.
      oversized: () => {}
    })
    this.#puller = new MeshPuller({
      mesh: this.#diffMesh,
      store,
      diff: () => this.#diff,
      log: this.#log,
      synced: (detail) => { this.safeDispatchEvent('sync', { detail }) },
      failed: (detail) => { this.safeDispatchEvent('sync:error', { detail }) },
      rateLimited: (peer, retryAfterMs) => { this.#antiEntropy.backOff(peer, retryAfterMs) }
    })
    this.#antiEntropy = new AntiEntropy(async (peer, reason, signal) => { await this.#puller.pull(peer, reason, signal) }, {
      interval: options.antiEntropy?.interval ?? 30_000,
      jitter: options.antiEntropy?.jitter ?? 10_000,
      minTriggeredInterval: options.antiEntropy?.minTriggeredInterval ?? 1000,
      idle: () => this.#puller.idleSincePeriodic(),
      busy: () => this.#announcer.moving
    })
    this.#gapWatch = new GapWatch(this.store, (source, missing) => {
      this.#puller.noteGaps(source, missing)
      this.#antiEntropy.trigger(source, 'gap')
    }, options.gapGraceMs ?? 1000)
    this.#announcer = new StateAnnouncer(
      () => this.store.stateHash(),
      (hash) => { this.#topic.publish(encodeAnnouncement(hash)) },
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
    this.#topic.fit()
    if (this.#ownsNode) await this.#node.start()
    const diff = await meshDiffSync(this.#node, this.#options.diff)
    this.#diff = diff.diffSync
    this.#releaseDiff = diff.release
    this.#membership.attach(this.#node.services.meshProof, this.#diff, (connection) => { void this.#joinIfKnown(connection) })
    this.#diff.serve(this.#diffMesh, this.store)
    this.#diff.addEventListener('fault', this.#faults.onDiffFault)
    this.#topic.start()
    this.store.addEventListener('ops', this.#onLocalOps)
    this.store.addEventListener('foreign-dot', this.#faults.onForeignDot)
    this.store.addEventListener('equivocation', this.#faults.onEquivocation)
    this.store.addEventListener('deaths-refused', this.#faults.onDeathsRefused)
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
    this.store.removeEventListener('foreign-dot', this.#faults.onForeignDot)
    this.store.removeEventListener('equivocation', this.#faults.onEquivocation)
    this.store.removeEventListener('deaths-refused', this.#faults.onDeathsRefused)
    this.#publisher.stop()
    this.#announcer.stop()
    this.#intake.stop()
    this.#gapWatch.stop()
    if (this.#topologyId != null) this.#node.unregister(this.#topologyId)
    await this.#antiEntropy.stop()
    this.#topic.stop()
    this.#node.removeEventListener('connection:open', this.#onConnectionOpen)
    this.#diff?.unserve(this.#diffMesh)
    this.#diff?.removeEventListener('fault', this.#faults.onDiffFault)
    this.#membership.detach()
    await this.#releaseDiff?.()
    if (this.#ownsNode) await this.#node.stop()
    // A store the peer opened (createMeshPeer's dataDir) is flushed and closed with it.
    if (this.#ownsStore && 'close' in this.store && typeof this.store.close === 'function') await this.store.close()
    this.#log('stopped')
  }

  stats (): MeshPeerStats {
    const { lastSync, ...pulls } = this.#puller.stats
    const served = this.#diff?.stats()
    return {
      ...this.#stats,
      ...this.#topic.stats,
      ...pulls,
      diffServed: served?.served ?? 0,
      diffRefused: served?.refused ?? 0,
      diffServeFailures: served?.failed ?? 0,
      lastSync: Object.fromEntries(lastSync),
      refusedByPeer: this.#faults.byPeer(),
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
    this.#puller.forget(peer)
    this.safeDispatchEvent('peer:disconnect', { detail: peer })
  }

  readonly #onLocalOps = (event: OpsEvent): void => {
    this.#stats.opsSent += event.ops.length
    this.#publisher.push(event.ops)
  }
}
