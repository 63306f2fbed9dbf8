// Bytes on every TCP socket of the peers in this process, by peer: everything on the wire
// (noise, yamux, gossipsub control and forwarding, pulls).
//
// Every connection of the harness has its listening end in some host process, so counting the
// accepted sockets alone counts each connection once: the listener sent what the socket wrote and
// received what it read; the dialer the reverse. The dialer is known from libp2p's inbound
// connection (its remote address names the socket's remote port, its remotePeer the dialer).
import net from 'node:net'
import type { Connection, Libp2p } from '@libp2p/interface'

interface Accepted {
  readonly socket: net.Socket
  readonly listenPort: number
  readonly remotePort: number
  dialer?: string
}

export interface PeerBytes { sent: number, received: number }

const accepted: Accepted[] = []
const listeners = new Map<number, string>()

// Patched before any listener exists: @libp2p/tcp calls `net.createServer` when it listens.
const createServer = net.createServer
net.createServer = function (...args: any[]): net.Server {
  const server = (createServer as (...a: any[]) => net.Server).apply(net, args)
  server.on('connection', (socket: net.Socket) => {
    accepted.push({ socket, listenPort: socket.localPort ?? 0, remotePort: socket.remotePort ?? 0 })
  })
  return server
} as typeof net.createServer

/** Counts a started node's sockets from now on (call again after a restart on the same port). */
export function countBytesOf (node: Libp2p): void {
  const port = Number(node.getMultiaddrs()[0].toString().split('/')[4])
  const self = node.peerId.toString()
  listeners.set(port, self)
  node.addEventListener('connection:open', (event: CustomEvent<Connection>) => {
    const connection = event.detail
    if (connection.direction !== 'inbound') return
    const remotePort = Number(connection.remoteAddr.toString().split('/')[4])
    const record = accepted.findLast((a) => a.listenPort === port && a.remotePort === remotePort && a.dialer == null)
    if (record != null) record.dialer = connection.remotePeer.toString()
  })
}

/** Bytes sent and received so far, by peer id (dialers may live in the other host). */
export function bytesByPeer (): Record<string, PeerBytes> {
  const out: Record<string, PeerBytes> = {}
  const add = (peer: string, sent: number, received: number): void => {
    const entry = out[peer] ??= { sent: 0, received: 0 }
    entry.sent += sent
    entry.received += received
  }
  for (const { socket, listenPort, dialer } of accepted) {
    const listener = listeners.get(listenPort)
    if (listener != null) add(listener, socket.bytesWritten, socket.bytesRead)
    if (dialer != null) add(dialer, socket.bytesRead, socket.bytesWritten)
  }
  return out
}
