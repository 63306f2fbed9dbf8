import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { pbStream } from '@libp2p/utils'
// The relay's own codec: the package exports no path to it.
import { HopMessage } from '../../../node_modules/@libp2p/circuit-relay-v2/dist/src/pb/index.js'
import { MemStore, createMeshPeer, nodePreset, type MeshPeer } from '../../../src/index.ts'
import type { ComponentLogger, PeerId, PrivateKey, StreamMuxerFactory } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'

export interface PrivatePeerOptions {
  meshKey?: string
  allow?: Array<string | PeerId>
  /** The topic to publish on; an outsider that learnt a private mesh's topic name passes it here. */
  topic?: string
  privateKey?: PrivateKey
  proofTimeout?: number
  logger?: ComponentLogger
}

/** Every byte a node received, after Noise decrypted it, on every connection: what an outsider learns. */
export class ReceivedBytes {
  readonly #chunks: Uint8Array[] = []

  /** A stream muxer that records what it reads before yamux parses it. */
  muxer (): () => StreamMuxerFactory {
    const inner = yamux()
    return () => {
      const factory = inner()
      return {
        protocol: factory.protocol,
        createStreamMuxer: (stream) => {
          stream.addEventListener('message', (event: any) => { this.#chunks.push(Uint8Array.from(event.data.subarray())) })
          return factory.createStreamMuxer(stream)
        }
      }
    }
  }

  get byteLength (): number {
    return this.#chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0)
  }

  includes (needle: string): boolean {
    return Buffer.concat(this.#chunks).includes(Buffer.from(needle))
  }
}

export interface PrivatePeer {
  peer: MeshPeer
  store: MemStore
  received: ReceivedBytes
}

/** A mesh peer on 127.0.0.1 over TCP whose received bytes are recorded. */
export async function startPrivatePeer (options: PrivatePeerOptions = {}): Promise<PrivatePeer> {
  const received = new ReceivedBytes()
  const store = new MemStore()
  const peer = await createMeshPeer({
    store,
    mesh: 'test',
    meshKey: options.meshKey,
    allow: options.allow,
    topic: options.topic,
    proofTimeout: options.proofTimeout ?? 2000,
    antiEntropy: { interval: 1500, jitter: 500, minTriggeredInterval: 200 },
    libp2p: {
      ...nodePreset({ listen: ['/ip4/127.0.0.1/tcp/0'], privateKey: options.privateKey }),
      connectionEncrypters: [noise()],
      streamMuxers: [received.muxer()],
      ...(options.logger == null ? {} : { logger: options.logger })
    }
  })
  await peer.start()
  return { peer, store, received }
}

const HOP = '/libp2p/circuit/relay/0.2.0/hop'
export const RelayStatus = { OK: 100, RESERVATION_REFUSED: 200, PERMISSION_DENIED: 202 } as const
const STATUS_CODES = { OK: 100, RESERVATION_REFUSED: 200, PERMISSION_DENIED: 202 } as const

/** Asks `relay` for a reservation over the hop protocol, as circuit relay clients do; resolves with the status it answers. */
export async function reserve (node: Pick<Libp2p, 'dialProtocol'>, relay: PeerId, timeout = 15_000): Promise<number> {
  const signal = AbortSignal.timeout(timeout)
  const stream = await node.dialProtocol(relay, HOP, { signal })
  try {
    const messages = pbStream(stream).pb(HopMessage)
    await messages.write({ type: HopMessage.Type.RESERVE }, { signal })
    const answer = await messages.read({ signal })
    await stream.close({ signal }).catch(() => {})
    return STATUS_CODES[answer.status as keyof typeof STATUS_CODES] ?? 0
  } catch (err: any) {
    stream.abort(err)
    throw err
  }
}

