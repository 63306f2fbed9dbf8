import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Libp2pEvents, PeerId, TypedEventTarget } from '@libp2p/interface'

/**
 * Wraps a circuit relay server's factory so that a reservation ends when its peer disconnects:
 * libp2p's relay keeps it until its TTL runs out, so a peer that left (or a throwaway identity)
 * would hold a slot the whole TTL. A peer that comes back reserves again, as it would after a
 * relay restart.
 */
export function releaseOnDisconnect<C extends { events: TypedEventTarget<Libp2pEvents> }> (factory: (components: C) => CircuitRelayService): (components: C) => CircuitRelayService {
  return (components) => {
    const relay = factory(components)
    components.events.addEventListener('peer:disconnect', (event: CustomEvent<PeerId>) => {
      relay.reservations.delete(event.detail)
    })
    return relay
  }
}
