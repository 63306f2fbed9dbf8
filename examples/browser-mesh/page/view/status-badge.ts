import { formatAgo } from './dom.ts'
import type { BrowserPeerState, BrowserPeerStatus } from '../../../../src/browser.ts'

const LABELS: Record<BrowserPeerState, string> = {
  connecting: 'Connecting…',
  online: 'Online',
  'relay-unreachable': 'Relay unreachable',
  reconnecting: 'Reconnecting…',
  local: 'No relay',
  offline: 'Offline'
}

const CLASSES: Record<BrowserPeerState, string> = {
  connecting: 'is-alone',
  online: 'is-online',
  'relay-unreachable': 'is-degraded',
  reconnecting: 'is-alone',
  local: 'is-alone',
  offline: 'is-offline'
}

/** The relay's link in words: reachable, or when it was last seen and when it is tried next. */
function relayText (status: BrowserPeerStatus, now: number): string {
  if (status.relays.length === 0) return 'no relay'
  if (status.relayReachable) return 'relay reachable'
  const lastSeen = Math.max(...status.relays.map((relay) => relay.lastConnected ?? 0))
  const nextDial = Math.min(...status.relays.map((relay) => relay.nextDial ?? Infinity))
  const seconds = Math.max(0, Math.round((nextDial - now) / 1000))
  return `relay unreachable${lastSeen > 0 ? ` (last seen ${formatAgo(lastSeen, now)})` : ''}${nextDial === Infinity ? '' : seconds === 0 ? ', trying now' : `, next try in ${seconds} s`}`
}

/**
 * The status badge says what is true: online only while a relay is reachable (new peers can
 * find this one), "relay unreachable" while only direct peers remain, "Reconnecting…" once every
 * link is gone. The line under it says how the relay and the mesh look from here.
 */
export function renderStatus (badge: HTMLElement, line: HTMLElement, status: BrowserPeerStatus): void {
  badge.className = `status ${CLASSES[status.state]}`
  badge.dataset.state = status.state
  badge.textContent = LABELS[status.state]
  line.textContent = `${relayText(status, Date.now())} · ${status.directPeers.length} direct · ${status.members.length} in the mesh heard from recently`
  line.dataset.relay = status.relays.length === 0 ? 'none' : status.relayReachable ? 'reachable' : 'unreachable'
}
