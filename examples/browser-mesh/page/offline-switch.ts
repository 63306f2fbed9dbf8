import type { ConnectionGater } from '@libp2p/interface'

/**
 * The page's "offline" switch as a connection gater: while offline every dial and every inbound
 * connection is refused, so nothing reconnects behind the user's back. (The gater is fixed when
 * the node is made, so it reads this switch.) It also replaces the browser build's default
 * gater, which refuses `ws://` and private addresses: the example's relay is on localhost or the LAN.
 */
export class OfflineSwitch extends EventTarget {
  #offline: boolean
  readonly gater: ConnectionGater

  constructor (offline: boolean) {
    super()
    this.#offline = offline
    const deny = (): boolean => this.#offline
    this.gater = {
      denyDialPeer: deny,
      denyDialMultiaddr: deny,
      denyInboundConnection: deny,
      denyOutboundConnection: deny,
      denyInboundEncryptedConnection: deny,
      denyOutboundEncryptedConnection: deny,
      denyInboundUpgradedConnection: deny,
      denyOutboundUpgradedConnection: deny,
      denyInboundRelayReservation: deny,
      denyOutboundRelayedConnection: deny,
      denyInboundRelayedConnection: deny
    }
  }

  get offline (): boolean {
    return this.#offline
  }

  readonly isOnline = (): boolean => !this.#offline

  set (offline: boolean): void {
    if (offline === this.#offline) return
    this.#offline = offline
    this.dispatchEvent(new Event('change'))
  }
}
