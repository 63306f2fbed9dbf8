import { formatBytes, h, numberFormat } from './dom.ts'

export interface StatsView {
  opsSent: number
  opsReceived: number
  messagesSent: number
  messagesReceived: number
  bytesSent: number
  bytesReceived: number
  diffRounds: number
  diffFailures: number
  tabMessages: number
  dials: number
  dialRetries: number
  dialFailures: number
  /** Page load to the first direct WebRTC connection, in ms. */
  firstDirectMs: number | undefined
}

export function renderStats (list: HTMLElement, stats: StatsView): void {
  const n = (value: number): string => numberFormat.format(value)
  const rows: Array<[string, string, string?]> = [
    ['Ops out / in', `${n(stats.opsSent)} / ${n(stats.opsReceived)}`],
    ['Messages out / in', `${n(stats.messagesSent)} / ${n(stats.messagesReceived)}`, 'Gossip messages on the mesh topic'],
    ['Bytes out / in', `${formatBytes(stats.bytesSent)} / ${formatBytes(stats.bytesReceived)}`, 'Gossip and state diffs'],
    ['State syncs', stats.diffFailures > 0 ? `${n(stats.diffRounds)} (${n(stats.diffFailures)} failed)` : n(stats.diffRounds), 'Diffs pulled from peers to repair what gossip missed'],
    ['Tab messages', n(stats.tabMessages), 'Through the BroadcastChannel'],
    ['WebRTC dials', stats.dialFailures > 0 ? `${n(stats.dials)} (${n(stats.dialRetries)} retried, ${n(stats.dialFailures)} failed)` : n(stats.dials)],
    ['First direct link', stats.firstDirectMs == null ? '—' : `${(stats.firstDirectMs / 1000).toFixed(2)} s`, 'From page load to the first direct WebRTC connection']
  ]
  list.replaceChildren(...rows.flatMap(([term, value, hint]) => [h('dt', { title: hint }, term), h('dd', {}, value)]))
}
