import { formatAgo, h, shortId } from './dom.ts'

/**
 * How a peer is reached: straight over WebRTC, over WebSockets (the relay), through the relay
 * (signalling only), through a BroadcastChannel (a tab of this browser), or only through the mesh
 * (a member heard from, not connected to this tab: a terminal peer linked to the relay).
 */
export type LinkKind = 'webrtc' | 'websockets' | 'relayed' | 'tab' | 'mesh' | 'other'

export interface PeerRow {
  id: string
  role: 'relay' | 'browser' | 'peer' | 'tab'
  links: LinkKind[]
  /** When we last pulled a diff from it (ms since the epoch). */
  lastSync?: number
  /** When it was last heard from through the mesh (ms since the epoch), for a peer not connected. */
  lastHeard?: number
}

const LINK_LABELS: Record<LinkKind, string> = {
  webrtc: 'Direct · WebRTC',
  websockets: 'WebSockets',
  relayed: 'Via relay',
  tab: 'BroadcastChannel',
  mesh: 'Through the mesh',
  other: 'Other'
}

const LINK_HINTS: Record<LinkKind, string> = {
  webrtc: 'A direct peer-to-peer connection: no server in the data path',
  websockets: 'A WebSockets connection to a Node.js peer',
  relayed: 'A limited connection through the relay, used to set up WebRTC',
  tab: 'Another tab of this browser, through a BroadcastChannel',
  mesh: 'A member of the mesh not connected to this tab: its messages arrive through other peers',
  other: ''
}

const ROLE_LABELS: Record<PeerRow['role'], string> = { relay: 'Relay', browser: 'Browser', peer: 'Peer', tab: 'Tab' }

export function renderPeers (list: HTMLElement, rows: PeerRow[]): void {
  if (rows.length === 0) {
    list.replaceChildren(h('li', { class: 'empty' }, 'No peers yet.'))
    return
  }
  const now = Date.now()
  list.replaceChildren(...rows.map((row) => h('li', { class: 'peer', 'data-peer': row.id, 'data-role': row.role },
    h('div', { class: 'peer-head' },
      h('span', { class: `role role-${row.role}` }, ROLE_LABELS[row.role]),
      h('code', { title: row.id }, shortId(row.id))),
    h('div', { class: 'peer-links' },
      ...row.links.map((link) => h('span', { class: `link link-${link}`, 'data-link': link, title: LINK_HINTS[link] }, LINK_LABELS[link])),
      row.role === 'tab' ? null : row.lastHeard != null ? h('span', { class: 'synced' }, `heard ${formatAgo(row.lastHeard, now)}`) : h('span', { class: 'synced' }, `synced ${formatAgo(row.lastSync, now)}`))
  )))
}
