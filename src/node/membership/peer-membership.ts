/**
 * What a mesh peer does differently in a private mesh, kept out of MeshPeer: the topic name and
 * the sealing of its messages come from the mesh key, and a remote peer counts as a peer of the
 * mesh (is pulled from, is served diffs, has its topic messages heard) only once it proved the key
 * on its connection.
 */
import { TopicSealer } from '../../protocols/topic/sealed-message.ts'
import { opsTopic } from '../../protocols/topic/topic-message.ts'
import { InvalidArgumentError } from '../../store/errors.ts'
import { meshSecrets, parseMeshKey, privateTopic, type MeshSecrets } from '../mesh-key.ts'
import { unsignedTopic } from '../unsigned-mesh.ts'
import type { DiffSync } from '../../protocols/diff/diff-sync.ts'
import type { MeshProof } from '../../protocols/proof/index.ts'
import type { Connection, PeerId } from '@libp2p/interface'

export class PeerMembership {
  readonly topic: string
  readonly #secrets: MeshSecrets | undefined
  readonly #sealer: TopicSealer | undefined
  #proof: MeshProof | undefined
  #onMember: ((event: CustomEvent<Connection>) => void) | undefined

  /** `writerKeys` false: a peer of an unsigned store, on a topic of its own (see unsigned-mesh.ts). */
  constructor (mesh: string, meshKey: string | Uint8Array | undefined, topic: string | undefined, writerKeys = true) {
    const key = meshKey == null ? undefined : parseMeshKey(meshKey)
    this.#secrets = key == null ? undefined : meshSecrets(key)
    const signedTopic = topic ?? (key == null ? opsTopic(mesh) : privateTopic(key, mesh))
    this.topic = writerKeys ? signedTopic : unsignedTopic(signedTopic)
    this.#sealer = this.#secrets == null ? undefined : new TopicSealer(this.#secrets.sealKey, this.topic)
  }

  get isPrivate (): boolean {
    return this.#secrets != null
  }

  /**
   * Binds to the node's proof service (which must hold the same key), makes `diff` refuse peers
   * that did not prove it, and calls `joined` with each connection whose peer proves it.
   */
  attach (proof: MeshProof | undefined, diff: DiffSync, joined: (connection: Connection) => void): void {
    if (this.#secrets == null) return
    if (proof == null) throw new InvalidArgumentError('a mesh key needs the meshProof service on the node: createMeshPeer adds it to a node it makes; add meshProof({ meshKey }) to your own')
    if (proof.keyId !== this.#secrets.keyId) throw new InvalidArgumentError('the node\'s meshProof service holds another mesh key')
    this.#proof = proof
    diff.authorize(async (connection) => await proof.verdict(connection))
    this.#onMember = (event) => { joined(event.detail) }
    proof.addEventListener('member', this.#onMember)
  }

  /** Stops reporting members. The diff protocol keeps refusing non-members: the node still holds the key, and other meshes on it may rely on that. */
  detach (): void {
    if (this.#onMember != null) this.#proof?.removeEventListener('member', this.#onMember)
    this.#proof = undefined
    this.#onMember = undefined
  }

  /** Whether `peer` may take part: always in an open mesh, once proven in a private one. */
  admits (peer: PeerId): boolean {
    return this.#secrets == null || this.#proof?.isMember(peer) === true
  }

  seal (message: Uint8Array): Uint8Array {
    return this.#sealer == null ? message : this.#sealer.seal(message)
  }

  /** The plain message; throws `InvalidMessageError` when it does not open under the key. */
  open (message: Uint8Array): Uint8Array {
    return this.#sealer == null ? message : this.#sealer.open(message)
  }
}
