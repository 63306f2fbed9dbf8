import { WebSockets } from '@multiformats/multiaddr-matcher'
import { isPrivate } from '@libp2p/utils'
import type { ConnectionGater } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** An address without its trailing `/p2p/<id>`, to compare a dialled address with a configured one. */
function transportPart (address: Multiaddr | string): string {
  return String(address).replace(/\/p2p\/[^/]+$/, '')
}

/**
 * A browser peer's connection gater. While switched offline it refuses every dial and every
 * inbound connection, so nothing reconnects behind the user's back (a gater is fixed when the
 * node is made, so it reads a switch). Online, it dials the relays the app named and WebRTC
 * through them, and otherwise keeps libp2p's browser rule: no `ws://` and no private or loopback
 * address, so a peer cannot make a page probe its local network.
 */
export class OnlineGate {
  #online = true
  readonly #relays: () => Iterable<string>
  readonly gater: ConnectionGater

  constructor (relays: () => Iterable<string>) {
    this.#relays = relays
    const offline = (): boolean => !this.#online
    this.gater = {
      denyDialPeer: offline,
      denyDialMultiaddr: (address) => offline() || !this.#allowed(address),
      denyInboundConnection: offline,
      denyOutboundConnection: offline,
      denyInboundEncryptedConnection: offline,
      denyOutboundEncryptedConnection: offline,
      denyInboundUpgradedConnection: offline,
      denyOutboundUpgradedConnection: offline,
      denyInboundRelayReservation: offline,
      denyOutboundRelayedConnection: offline,
      denyInboundRelayedConnection: offline
    }
  }

  get online (): boolean {
    return this.#online
  }

  set online (online: boolean) {
    this.#online = online
  }

  #allowed (address: Multiaddr): boolean {
    if (address.getComponents().some((c) => c.name === 'p2p-circuit')) return true
    const dialled = transportPart(address)
    for (const relay of this.#relays()) if (transportPart(relay) === dialled) return true
    return !WebSockets.matches(address) && isPrivate(address) !== true
  }
}
