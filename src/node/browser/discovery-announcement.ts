/**
 * What a peer says on its mesh's discovery topic: the addresses browsers can dial it at, as
 * JSON `{"addrs": ["…/p2p-circuit/webrtc/p2p/<sender>", …]}`, signed by gossipsub. A peer that
 * browsers cannot dial (a Node.js peer) sends an empty list: it only says it is there.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { InvalidMessageError } from '../../store/errors.ts'
import type { Connection, PeerId } from '@libp2p/interface'

/** The most bytes an announcement may take; a longer one is refused before it is parsed. */
export const MAX_ANNOUNCEMENT_BYTES = 4096
/** The most addresses an announcement may list. */
export const MAX_ANNOUNCED_ADDRESSES = 8

/**
 * The discovery topic of a mesh, beside its ops topic (`peer.topic`): derived from it, so a
 * private mesh's discovery topic is named after its key, not its name.
 */
export function discoveryTopic (opsTopic: string): string {
  return `${opsTopic.replace(/\/ops\/\d+$/, '')}/peers/1`
}

/** A WebRTC connection straight to the peer: not the limited relayed one that set it up. */
export function isDirectWebRTC (connection: Connection): boolean {
  return connection.multiplexer === '/webrtc' && connection.limits == null
}

/** `…/p2p-circuit/webrtc/p2p/<peer>`: an address a browser can be reached at through a relay. */
export function isWebRTCAddress (address: Multiaddr, peer: PeerId): boolean {
  const components = address.getComponents()
  const circuit = components.findIndex((c) => c.name === 'p2p-circuit')
  const last = components[components.length - 1]
  return circuit >= 0 && components[circuit + 1]?.name === 'webrtc' && last?.name === 'p2p' && last.value === peer.toString()
}

/** The addresses of a signed announcement (perhaps none); throws {@link InvalidMessageError} on anything else. */
export function decodeDiscoveryAnnouncement (data: Uint8Array, from: PeerId): Multiaddr[] {
  if (data.byteLength > MAX_ANNOUNCEMENT_BYTES) throw new InvalidMessageError(`a discovery announcement of ${data.byteLength} bytes, beyond ${MAX_ANNOUNCEMENT_BYTES}`)
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(data))
  } catch {
    throw new InvalidMessageError('a discovery announcement that is not JSON')
  }
  const list = (parsed as { addrs?: unknown } | null)?.addrs
  if (!Array.isArray(list) || list.length > MAX_ANNOUNCED_ADDRESSES) throw new InvalidMessageError(`a discovery announcement without a list of at most ${MAX_ANNOUNCED_ADDRESSES} addresses`)
  return list.map((text: unknown) => {
    if (typeof text !== 'string') throw new InvalidMessageError('a discovery announcement address that is not a string')
    let address: Multiaddr
    try {
      address = multiaddr(text)
    } catch {
      throw new InvalidMessageError('a discovery announcement address that is not a multiaddr')
    }
    if (!isWebRTCAddress(address, from)) throw new InvalidMessageError('a discovery announcement address that is not a WebRTC address of the sender')
    return address
  })
}

export function encodeDiscoveryAnnouncement (addresses: Multiaddr[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ addrs: addresses.slice(0, MAX_ANNOUNCED_ADDRESSES).map(String) }))
}
