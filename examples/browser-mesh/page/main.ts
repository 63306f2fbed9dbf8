/**
 * The browser-mesh page: one tab, one peer of the mesh. It reaches the relay over WebSockets,
 * finds the other browsers through it and connects to them directly over WebRTC; tabs of this
 * browser also sync through a BroadcastChannel.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { browserPreset, createMeshPeer } from '../../../src/browser.ts'
import { BrowserDiscovery, isDirectWebRTC } from '../shared/discovery.ts'
import { RelayLink } from '../shared/relay-link.ts'
import { loadConfig } from './config.ts'
import { OfflineSwitch } from './offline-switch.ts'
import { openStore } from './open-store.ts'
import { TabChannel } from './tab-channel.ts'
import { tabStoreName } from './tab-identity.ts'
import { h, shortId } from './view/dom.ts'
import { EntriesTable } from './view/entries-table.ts'
import { renderPeers, type LinkKind, type PeerRow } from './view/peers-panel.ts'
import { renderStats } from './view/stats-panel.ts'
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
  const offline = new OfflineSwitch(sessionStorage.getItem(OFFLINE_SLOT) === '1')
  const store = await openStore(await tabStoreName(config.mesh))
  const peer = await createMeshPeer({
    store,
    mesh: config.mesh,
    meshKey: config.meshKey,
    // Browsers come and go: repair more often than the library's default.
    antiEntropy: { interval: 10_000, jitter: 3_000, minTriggeredInterval: 500 },
    libp2p: { ...browserPreset({ iceServers: config.iceServers }), connectionGater: offline.gater }
  })
  const node = peer.libp2p
  const metrics: { firstDirectMs?: number } = {}
  node.addEventListener('connection:open', (event) => {
    if (metrics.firstDirectMs == null && isDirectWebRTC(event.detail)) metrics.firstDirectMs = performance.now()
  })
  await peer.start()
  const discovery = new BrowserDiscovery(node, { mesh: config.mesh, isOnline: offline.isOnline })
  discovery.start()
  const relay = config.relay == null ? undefined : new RelayLink(node, multiaddr(config.relay), { isOnline: offline.isOnline })
  relay?.start()
  const tabs = new TabChannel(store, `roaring-mesh/${config.mesh}`)
  if (!offline.offline) tabs.open()

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
  offlineToggle.checked = offline.offline
  offlineToggle.addEventListener('change', () => { offline.set(offlineToggle.checked) })

  const peerRows = (): PeerRow[] => {
    const lastSync = peer.stats().lastSync
    const byPeer = new Map<string, Connection[]>()
    for (const connection of node.getConnections()) {
      const id = connection.remotePeer.toString()
      byPeer.set(id, [...(byPeer.get(id) ?? []), connection])
    }
    const rows: PeerRow[] = [...byPeer].map(([id, connections]) => ({
      id,
      role: id === relay?.relayId ? 'relay' : connections.some((c) => c.multiplexer === '/webrtc') ? 'browser' : 'peer',
      // The best way we reach it; a relayed link beside a direct one is only the WebRTC set-up.
      links: [LINK_PREFERENCE.find((kind) => connections.some((c) => linkKind(c) === kind)) ?? 'other'],
      lastSync: lastSync[id]
    }))
    const order = { relay: 0, browser: 1, peer: 2, tab: 3 }
    rows.sort((a, b) => order[a.role] - order[b.role] || (a.id < b.id ? -1 : 1))
    return [...rows, ...tabs.tabs.map((id): PeerRow => ({ id, role: 'tab', links: ['tab'] }))]
  }

  const refresh = (): void => {
    const rows = peerRows()
    renderPeers(element('peers'), rows)
    element('peer-count').textContent = String(rows.length)
    const status = element('status')
    status.className = `status ${offline.offline ? 'is-offline' : rows.length > 0 ? 'is-online' : 'is-alone'}`
    status.textContent = offline.offline ? 'Offline' : rows.length > 0 ? 'Online' : relay == null ? 'No relay' : 'Connecting…'
    const stats = peer.stats()
    renderStats(element('stats'), {
      opsSent: stats.opsSent,
      opsReceived: stats.opsReceived + tabs.stats.opsReceived,
      messagesSent: stats.messagesSent,
      messagesReceived: stats.messagesReceived,
      bytesSent: stats.topicBytesSent + stats.diffBytesSent,
      bytesReceived: stats.topicBytesReceived + stats.diffBytesReceived,
      diffRounds: stats.diffRounds,
      diffFailures: stats.diffFailures,
      tabMessages: tabs.stats.messagesSent + tabs.stats.messagesReceived,
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
  for (const name of ['connection:open', 'connection:close'] as const) node.addEventListener(name, refreshLater)
  tabs.addEventListener('tabs', refreshLater)
  peer.addEventListener('sync', refreshLater)
  store.addEventListener('change', refreshLater)
  setInterval(refresh, 1000)
  refresh()

  offline.addEventListener('change', () => {
    sessionStorage.setItem(OFFLINE_SLOT, offline.offline ? '1' : '0')
    if (offline.offline) {
      tabs.close()
      for (const connection of node.getConnections()) {
        connection.close().catch((err: Error) => { connection.abort(err) })
      }
    } else {
      tabs.open()
      void relay?.dialNow().then(() => { discovery.reconnect() })
      if (relay == null) discovery.reconnect()
    }
    refresh()
  })
  addEventListener('pagehide', () => { tabs.close() })

  // For the browser console and the end-to-end tests.
  Object.assign(window, { roaringMesh: { config, store, peer, node, discovery, relay, tabs, offline, metrics } })
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
