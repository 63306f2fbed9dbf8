import type { HeardMember } from './mesh-members.ts'
import type { RelayLinkState } from './relay-link.ts'

/**
 * What a browser peer can say of itself in one word:
 * - `connecting`: no link yet since it started;
 * - `online`: a relay is reachable, so new peers can find this one;
 * - `relay-unreachable`: direct peers only: it syncs with them, but no new peer can reach it;
 * - `reconnecting`: it had links and lost them all; it keeps redialing the relays;
 * - `local`: no relay was given and no peer is connected (only this browser's tabs, if any);
 * - `offline`: switched off by the app (`setOnline(false)`).
 */
export type BrowserPeerState = 'connecting' | 'online' | 'relay-unreachable' | 'reconnecting' | 'local' | 'offline'

/** A browser peer's links and what it knows of its mesh, as `BrowserPeer.status()` reports them. */
export interface BrowserPeerStatus {
  state: BrowserPeerState
  /** The app's switch: false while `setOnline(false)` holds. */
  online: boolean
  /** A relay is connected. */
  relayReachable: boolean
  /** Each relay, its link, and when it is dialled next. */
  relays: RelayLinkState[]
  /** Peers connected directly (WebRTC between browsers, or any full connection that is not to a relay). */
  directPeers: string[]
  /** Mesh members heard from recently, directly or through the mesh (`memberWindow`), most recent first. */
  members: HeardMember[]
  /** Other tabs of this browser on the tab channel. */
  tabs: string[]
}

export interface StatusInputs {
  online: boolean
  relays: RelayLinkState[]
  directPeers: string[]
  members: HeardMember[]
  tabs: string[]
  /** Relays were given, or a source that may name some. */
  relaysExpected: boolean
  /** A relay or a direct peer was connected at some point since the start. */
  everLinked: boolean
}

export function describeStatus (inputs: StatusInputs): BrowserPeerStatus {
  const relayReachable = inputs.relays.some((relay) => relay.connected)
  let state: BrowserPeerState
  if (!inputs.online) state = 'offline'
  else if (relayReachable) state = 'online'
  else if (inputs.directPeers.length > 0) state = inputs.relaysExpected ? 'relay-unreachable' : 'online'
  else if (!inputs.relaysExpected) state = 'local'
  else state = inputs.everLinked ? 'reconnecting' : 'connecting'
  const { everLinked, relaysExpected, ...rest } = inputs
  return { state, relayReachable, ...rest }
}

/** The part of a status that is news: what changed links or members, not the passing of time. */
export function statusKey (status: BrowserPeerStatus): string {
  return JSON.stringify([status.state, status.online, status.relays.map((r) => [r.address, r.connected]), status.directPeers, status.members.map((m) => m.peerId), status.tabs])
}
