import { pbStream } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { randomBytes } from '@noble/ciphers/utils.js'
import { meshSecrets, parseMeshKey } from '../../node/mesh-key.ts'
import { NotAMemberError } from './errors.ts'
import { ProofMessage } from './pb/proof.ts'
import { MAC_BYTES, NONCE_BYTES, checkProofMac, proofMac, type ProofTranscript } from './proof-mac.ts'
import type { MeshProofComponents, MeshProofEvents, MeshProofInit, MeshProofStats, RefusedDetail } from './index.ts'
import type { Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

export const PROTOCOL = '/roaring-mesh/proof/1.0.0'
/** A refused connection stays open this long so that refusals already under way (a diff stream's NOT_MEMBER) reach the peer. */
const CLOSE_GRACE_MS = 500
/** Peers whose refusal was logged, so that a peer redialled in a loop is logged once; beyond this many the set starts over. */
const MAX_LOGGED_REFUSALS = 1024

interface Proof {
  readonly connection: Connection
  state: 'pending' | 'member' | 'refused'
  readonly settled: Promise<boolean>
  settle: (member: boolean) => void
  timer?: ReturnType<typeof setTimeout>
}

export class MeshProof extends TypedEventEmitter<MeshProofEvents> implements Startable {
  readonly protocol = PROTOCOL
  /** A short public name of the mesh key: equal ids, equal keys. */
  readonly keyId: string
  readonly #components: MeshProofComponents
  readonly #proofKey: Uint8Array
  readonly #init: Required<Omit<MeshProofInit, 'meshKey'>>
  readonly #log: Logger
  readonly #proofs = new Map<string, Proof>()
  readonly #loggedRefusals = new Set<string>()
  readonly #stats: MeshProofStats = { proven: 0, refused: 0 }
  #started = false

  constructor (components: MeshProofComponents, init: MeshProofInit) {
    super()
    this.#components = components
    const secrets = meshSecrets(parseMeshKey(init.meshKey))
    this.#proofKey = secrets.proofKey
    this.keyId = secrets.keyId
    this.#log = components.logger.forComponent('roaring-mesh:proof')
    this.#init = { timeout: init.timeout ?? 5000, maxInboundStreams: init.maxInboundStreams ?? 4 }
  }

  readonly [Symbol.toStringTag] = '@roaring-mesh/mesh-proof'

  isStarted (): boolean {
    return this.#started
  }

  async start (): Promise<void> {
    if (this.#started) return
    await this.#components.registrar.handle(PROTOCOL, this.#respond, {
      maxInboundStreams: this.#init.maxInboundStreams,
      // Browsers meet over a relay's limited connection first: they prove themselves there too.
      runOnLimitedConnection: true
    })
    this.#components.events.addEventListener('connection:open', this.#onOpen)
    this.#components.events.addEventListener('connection:close', this.#onClose)
    this.#started = true
  }

  async stop (): Promise<void> {
    if (!this.#started) return
    this.#started = false
    this.#components.events.removeEventListener('connection:open', this.#onOpen)
    this.#components.events.removeEventListener('connection:close', this.#onClose)
    for (const proof of this.#proofs.values()) {
      clearTimeout(proof.timer)
      proof.settle(false)
    }
    this.#proofs.clear()
    await this.#components.registrar.unhandle(PROTOCOL)
  }

  stats (): MeshProofStats {
    return { ...this.#stats }
  }

  /** Whether `peer` proved the key on a connection open now. */
  isMember (peer: PeerId): boolean {
    for (const proof of this.#proofs.values()) {
      if (proof.state === 'member' && proof.connection.remotePeer.equals(peer)) return true
    }
    return false
  }

  /** Resolves with whether the peer proved the key on `connection`, once its proof has settled (at most the proof timeout). */
  async verdict (connection: Connection): Promise<boolean> {
    return await this.#proof(connection).settled
  }

  /** Resolves with whether `peer` proved the key on any open connection, waiting for proofs under way. */
  async verdictForPeer (peer: PeerId): Promise<boolean> {
    const pending = [...this.#proofs.values()].filter((proof) => proof.connection.remotePeer.equals(peer))
    const verdicts = await Promise.all(pending.map(async (proof) => await proof.settled))
    return verdicts.includes(true)
  }

  readonly #onOpen = (event: CustomEvent<Connection>): void => {
    const connection = event.detail
    const proof = this.#proof(connection)
    // The side that dialled proves first; the other waits for it, but not for ever.
    if (connection.direction === 'outbound') {
      void this.#initiate(connection).then((member) => { this.#settle(proof, member) }, (err) => { this.#refuse(proof, err) })
    }
  }

  readonly #onClose = (event: CustomEvent<Connection>): void => {
    const proof = this.#proofs.get(event.detail.id)
    if (proof == null) return
    this.#proofs.delete(event.detail.id)
    clearTimeout(proof.timer)
    proof.settle(false)
  }

  #proof (connection: Connection): Proof {
    let proof = this.#proofs.get(connection.id)
    if (proof != null) return proof
    let settle!: (member: boolean) => void
    const settled = new Promise<boolean>((resolve) => { settle = resolve })
    proof = { connection, state: 'pending', settled, settle }
    if (connection.status !== 'open') {
      proof.state = 'refused'
      settle(false)
      return proof
    }
    const made = proof
    made.timer = setTimeout(() => { this.#refuse(made, new NotAMemberError(`no proof of membership within ${this.#init.timeout} ms`)) }, this.#init.timeout)
    this.#proofs.set(connection.id, proof)
    return proof
  }

  #transcript (connection: Connection, initiatorNonce: Uint8Array, responderNonce: Uint8Array): ProofTranscript {
    const local = this.#components.peerId.toMultihash().bytes
    const remote = connection.remotePeer.toMultihash().bytes
    const outbound = connection.direction === 'outbound'
    return { initiator: outbound ? local : remote, responder: outbound ? remote : local, initiatorNonce, responderNonce }
  }

  /** The dialler's side: nonce →, ← nonce + proof, proof →, ← verdict. */
  async #initiate (connection: Connection): Promise<boolean> {
    const signal = AbortSignal.timeout(this.#init.timeout)
    const stream = await connection.newStream(PROTOCOL, { signal, runOnLimitedConnection: true })
    try {
      const messages = pbStream(stream, { maxDataLength: 256 }).pb(ProofMessage)
      const initiatorNonce = randomBytes(NONCE_BYTES)
      await messages.write({ nonce: initiatorNonce, mac: new Uint8Array(0), verdict: ProofMessage.Verdict.NONE }, { signal })
      const challenge = await messages.read({ signal })
      if (challenge.nonce.byteLength !== NONCE_BYTES) throw new NotAMemberError('the responder sent no nonce')
      const transcript = this.#transcript(connection, initiatorNonce, challenge.nonce)
      if (!checkProofMac(this.#proofKey, 'responder', transcript, challenge.mac)) throw new NotAMemberError('the responder does not hold the mesh key')
      await messages.write({ nonce: new Uint8Array(0), mac: proofMac(this.#proofKey, 'initiator', transcript), verdict: ProofMessage.Verdict.NONE }, { signal })
      const { verdict } = await messages.read({ signal })
      await stream.close({ signal })
      if (verdict !== ProofMessage.Verdict.ACCEPTED) throw new NotAMemberError('the responder refused our proof')
      return true
    } catch (err: any) {
      stream.abort(err)
      throw err
    }
  }

  /** The side that was dialled. */
  readonly #respond = async (stream: Stream, connection: Connection): Promise<void> => {
    const proof = this.#proof(connection)
    const signal = AbortSignal.timeout(this.#init.timeout)
    try {
      if (proof.state !== 'pending' || connection.direction !== 'inbound') throw new NotAMemberError('an unexpected proof stream')
      const messages = pbStream(stream, { maxDataLength: 256 }).pb(ProofMessage)
      const hello = await messages.read({ signal })
      if (hello.nonce.byteLength !== NONCE_BYTES) throw new NotAMemberError('the initiator sent no nonce')
      const responderNonce = randomBytes(NONCE_BYTES)
      const transcript = this.#transcript(connection, hello.nonce, responderNonce)
      await messages.write({ nonce: responderNonce, mac: proofMac(this.#proofKey, 'responder', transcript), verdict: ProofMessage.Verdict.NONE }, { signal })
      const answer = await messages.read({ signal })
      const member = answer.mac.byteLength === MAC_BYTES && checkProofMac(this.#proofKey, 'initiator', transcript, answer.mac)
      await messages.write({ nonce: new Uint8Array(0), mac: new Uint8Array(0), verdict: member ? ProofMessage.Verdict.ACCEPTED : ProofMessage.Verdict.REFUSED }, { signal })
      await stream.close({ signal }).catch(() => {})
      if (!member) throw new NotAMemberError('the initiator does not hold the mesh key')
      this.#settle(proof, true)
    } catch (err: any) {
      stream.abort(err)
      this.#refuse(proof, err)
    }
  }

  #settle (proof: Proof, member: boolean): void {
    if (!member) {
      this.#refuse(proof, new NotAMemberError('not a member'))
      return
    }
    if (proof.state !== 'pending') return
    clearTimeout(proof.timer)
    proof.state = 'member'
    this.#stats.proven++
    proof.settle(true)
    this.#log('%p proved the mesh key on connection %s', proof.connection.remotePeer, proof.connection.id)
    this.safeDispatchEvent('member', { detail: proof.connection })
  }

  /** Refuses the connection's peer and closes the connection shortly after. */
  #refuse (proof: Proof, err: Error): void {
    if (proof.state !== 'pending') return
    clearTimeout(proof.timer)
    proof.state = 'refused'
    this.#stats.refused++
    proof.settle(false)
    const { connection } = proof
    const peer = connection.remotePeer
    const key = peer.toString()
    if (!this.#loggedRefusals.has(key)) {
      if (this.#loggedRefusals.size >= MAX_LOGGED_REFUSALS) this.#loggedRefusals.clear()
      this.#loggedRefusals.add(key)
      this.#log.error('refusing %p: it did not prove the mesh key - %s', peer, err.message)
    }
    const detail: RefusedDetail = { peer, connection, error: err }
    this.safeDispatchEvent('refused', { detail })
    setTimeout(() => {
      connection.close({ signal: AbortSignal.timeout(1000) }).catch((closeErr: Error) => { connection.abort(closeErr) })
    }, CLOSE_GRACE_MS)
  }
}
