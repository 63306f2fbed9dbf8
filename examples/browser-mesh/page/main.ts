/**
 * The browser-mesh page: one tab, one peer of the mesh, made by the package's
 * `createBrowserPeer`: it reaches the relay over WebSockets, finds the other browsers through it
 * and connects to them directly over WebRTC; tabs of this browser also sync through a
 * BroadcastChannel. This file only draws it.
 */
import { createBrowserPeer, isDirectWebRTC, type BrowserPeerStatus } from '../../../src/browser.ts'
import { loadConfig } from './config.ts'
import { h, shortId } from './view/dom.ts'
import { EntriesTable } from './view/entries-table.ts'
import { renderPeers, type LinkKind, type PeerRow } from './view/peers-panel.ts'
import { renderStats } from './view/stats-panel.ts'
import { renderStatus } from './view/status-badge.ts'
import type { Connection } from '@libp2p/interface'

/** Whether this tab was switched offline: a reload keeps it so. */
const OFFLINE_SLOT = 'roaring-mesh:offline'

function element<T extends HTMLElement = HTMLElement> (id: string): T {
  const found = document.getElementById(id)
  if (found == null) throw new Error(`the page has no #${id}`)
  return found as T
}

const LINK_PREFERENCE: LinkKind[] = ['webrtc', 'websockets', 'relayed', 'other']

function linkKind (connection: Connection): LinkKind {
  if (isDirectWebRTC(connection)) return 'webrtc'
  if (connection.limits != null) return 'relayed'
  if (connection.remoteAddr.getComponents().some((c) => c.name === 'ws' || c.name === 'wss' || c.name === 'tls')) return 'websockets'
  return 'other'
}

async function main (): Promise<void> {
  const config = await loadConfig()
  const browserPeer = await createBrowserPeer({
    mesh: config.mesh,
    meshKey: config.meshKey,
    iceServers: config.iceServers,
    // Asked again when the relay has been out of reach for a while: it may have moved.
    relays: async () => {
      const now = await loadConfig()
      return now.relay == null ? [] : [now.relay]
    },
    online: sessionStorage.getItem(OFFLINE_SLOT) !== '1'
  })
  const { store, peer, discovery, relays, tabs } = browserPeer
  const node = browserPeer.libp2p
  const metrics: { firstDirectMs?: number } = {}
  const noteDirect = (connection: Connection): void => {
    if (metrics.firstDirectMs == null && isDirectWebRTC(connection)) metrics.firstDirectMs = performance.now()
  }
  node.getConnections().forEach(noteDirect)
  node.addEventListener('connection:open', (event) => { noteDirect(event.detail) })

  // The page
  const form = element<HTMLFormElement>('write')
  const keyInput = form.elements.namedItem('key') as HTMLInputElement
  const valueInput = form.elements.namedItem('value') as HTMLInputElement
  const table = new EntriesTable(element<HTMLTableSectionElement>('entries'), element('entry-count'), element('entries-footer'), {
    get: (key) => store.get(key),
    siblings: (key) => store.conflicts(key).length,
    onDelete: (key) => { store.delete(key) },
    onPick: (key, value) => {
      keyInput.value = key
      valueInput.value = value
      valueInput.focus()
    }
  })
  table.load(store.entries().map(([key]) => key))
  store.addEventListener('change', (event) => { table.apply(event.changes, event.origin) })

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const key = keyInput.value.trim()
    if (key === '') return
    const remove = (event.submitter as HTMLButtonElement | null)?.value === 'delete'
    if (remove) store.delete(key)
    else store.set(key, valueInput.value)
    valueInput.value = ''
    keyInput.select()
  })
  element<HTMLInputElement>('filter').addEventListener('input', (event) => {
    table.setFilter((event.target as HTMLInputElement).value)
  })

  element('self-id').replaceChildren(h('code', { title: node.peerId.toString() }, shortId(node.peerId.toString())))
  element('mesh-name').textContent = config.mesh
  showPrivacy(config.meshKey != null)
  const offlineToggle = element<HTMLInputElement>('offline')
  offlineToggle.checked = !browserPeer.online
  offlineToggle.addEventListener('change', () => {
    sessionStorage.setItem(OFFLINE_SLOT, offlineToggle.checked ? '1' : '0')
    void browserPeer.setOnline(!offlineToggle.checked).then(refresh)
  })

  const peerRows = (status: BrowserPeerStatus): PeerRow[] => {
    const lastSync = peer.stats().lastSync
    const relayIds = relays.relayIds
    const byPeer = new Map<string, Connection[]>()
    for (const connection of node.getConnections()) {
      const id = connection.remotePeer.toString()
      byPeer.set(id, [...(byPeer.get(id) ?? []), connection])
    }
    const rows: PeerRow[] = [...byPeer].map(([id, connections]) => ({
      id,
      role: relayIds.has(id) ? 'relay' : connections.some((c) => c.multiplexer === '/webrtc') ? 'browser' : 'peer',
      // The best way we reach it; a relayed link beside a direct one is only the WebRTC set-up.
      links: [LINK_PREFERENCE.find((kind) => connections.some((c) => linkKind(c) === kind)) ?? 'other'],
      lastSync: lastSync[id]
    }))
    // Members of the mesh we are not connected to: heard through the relay or other browsers.
    // (A relay that is down is in the status line, not here.)
    for (const member of status.members) {
      if (!byPeer.has(member.peerId) && !relayIds.has(member.peerId)) rows.push({ id: member.peerId, role: 'peer', links: ['mesh'], lastHeard: member.lastHeard })
    }
    const order = { relay: 0, browser: 1, peer: 2, tab: 3 }
    rows.sort((a, b) => order[a.role] - order[b.role] || (a.id < b.id ? -1 : 1))
    return [...rows, ...status.tabs.map((id): PeerRow => ({ id, role: 'tab', links: ['tab'] }))]
  }

  const refresh = (): void => {
    const status = browserPeer.status()
    const rows = peerRows(status)
    renderPeers(element('peers'), rows)
    element('peer-count').textContent = String(rows.length)
    renderStatus(element('status'), element('relay-status'), status)
    const stats = peer.stats()
    renderStats(element('stats'), {
      opsSent: stats.opsSent,
      opsReceived: stats.opsReceived + (tabs?.stats.opsReceived ?? 0),
      messagesSent: stats.messagesSent,
      messagesReceived: stats.messagesReceived,
      bytesSent: stats.topicBytesSent + stats.diffBytesSent,
      bytesReceived: stats.topicBytesReceived + stats.diffBytesReceived,
      diffRounds: stats.diffRounds,
      diffFailures: stats.diffFailures,
      tabMessages: (tabs?.stats.messagesSent ?? 0) + (tabs?.stats.messagesReceived ?? 0),
      dials: discovery.stats.dials,
      dialRetries: discovery.stats.dialRetries,
      dialFailures: discovery.stats.dialFailures,
      firstDirectMs: metrics.firstDirectMs
    })
  }
  let refreshSoon: ReturnType<typeof setTimeout> | undefined
  const refreshLater = (): void => {
    refreshSoon ??= setTimeout(() => { refreshSoon = undefined; refresh() }, 50)
  }
  browserPeer.addEventListener('status', refreshLater)
  peer.addEventListener('sync', refreshLater)
  store.addEventListener('change', refreshLater)
  setInterval(refresh, 1000)
  refresh()

  // For the browser console and the end-to-end tests.
  Object.assign(window, { roaringMesh: { config, store, peer, browserPeer, node, discovery, relays, tabs, metrics } })
  document.body.dataset.state = 'ready'
}

/** Says whether the mesh is private, and lets the Invite button copy the link with its key. */
function showPrivacy (isPrivate: boolean): void {
  const badge = element('privacy')
  badge.textContent = isPrivate ? 'Private' : 'Open'
  badge.className = `privacy ${isPrivate ? 'is-private' : 'is-open'}`
  badge.title = isPrivate
    ? 'Only pages opened with this mesh\'s key (in the link\'s #fragment) can join or read it'
    : 'No key: anyone who reaches the relay can read and write this mesh'
  const invite = element<HTMLButtonElement>('invite')
  invite.hidden = !isPrivate
  invite.addEventListener('click', () => {
    // The key travels in the fragment, which the browser never sends to the server.
    void navigator.clipboard.writeText(location.href).then(
      () => { invite.textContent = 'Link copied' },
      () => { prompt('Copy this invite link: it holds the mesh key', location.href) }
    ).finally(() => { setTimeout(() => { invite.textContent = 'Invite' }, 2000) })
  })
}

main().catch((err: Error) => {
  document.body.dataset.state = 'failed'
  element('error').textContent = `The page could not start: ${err.message}`
  element('error').hidden = false
  throw err
})
