import { chmod, unlink } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { InvalidArgumentError, type ChangeEvent, type ReplicaStore } from '../index.ts'
import { fromBase64, readLines, toBase64, writeLine, type PeerStatus, type Request, type Response } from './control-protocol.ts'

type ByteStore = ReplicaStore<Uint8Array, Uint8Array> & { flush?: () => Promise<void> }

/** A watcher that lets this much output pile up unread is cut off rather than held in memory. */
const MAX_WATCH_BACKLOG_BYTES = 16 * 1024 * 1024

function startsWith (bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.byteLength >= prefix.byteLength && prefix.every((byte, i) => bytes[i] === byte)
}

/**
 * The running peer's end of the control socket: answers get/set/del/list/status against the
 * store and streams its changes to watchers. The socket file is made readable and writable by
 * its owner only (and lives in the owner-only data directory): on Linux, connecting needs write
 * permission on it, so no other user of the machine can drive the peer.
 */
export class ControlServer {
  readonly #store: ByteStore
  readonly #status: () => PeerStatus
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined

  constructor (store: ByteStore, status: () => PeerStatus) {
    this.#store = store
    this.#status = status
  }

  /** Listens at `path`, replacing a socket file a crashed peer left behind (the caller holds the data directory's lock). */
  async listen (path: string): Promise<void> {
    await unlink(path).catch((err) => { if (err.code !== 'ENOENT') throw err })
    const server = createServer((socket) => { this.#accept(socket) })
    const previous = process.umask(0o077)
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(path, () => { server.off('error', reject); resolve() })
      })
    } finally {
      process.umask(previous)
    }
    await chmod(path, 0o600)
    this.#server = server
  }

  /** Ends every connection (watchers see the end of their stream) and removes the socket file. */
  async close (): Promise<void> {
    const server = this.#server
    if (server == null) return
    this.#server = undefined
    for (const socket of this.#sockets) socket.end()
    const closed = new Promise<void>((resolve) => server.close(() => { resolve() }))
    // A client that does not read its last lines must not hold the shutdown.
    const timer = setTimeout(() => { for (const socket of this.#sockets) socket.destroy() }, 2000)
    await closed
    clearTimeout(timer)
  }

  #accept (socket: Socket): void {
    this.#sockets.add(socket)
    const unwatch: Array<() => void> = []
    socket.on('close', () => {
      this.#sockets.delete(socket)
      for (const stop of unwatch) stop()
    })
    socket.on('error', () => { /* a client that went away: 'close' follows */ })
    readLines(socket, (line) => {
      let request: Request
      try {
        request = JSON.parse(line)
        if (typeof request !== 'object' || request == null || typeof request.id !== 'number') throw new Error('not a request')
      } catch {
        writeLine(socket, { id: -1, ok: false, error: { code: 'bad-request', message: 'not a JSON request line' } })
        return
      }
      if (request.op === 'watch') {
        unwatch.push(this.#watch(socket, request.id))
        writeLine(socket, { id: request.id, ok: true, watching: true })
        return
      }
      this.#answer(request).then((response) => { writeLine(socket, response) }, (err: Error) => {
        const code = err instanceof InvalidArgumentError ? 'invalid-argument' : 'failure'
        writeLine(socket, { id: request.id, ok: false, error: { code, message: err.message } })
      })
    })
  }

  async #answer (request: Request): Promise<Response> {
    const { id } = request
    switch (request.op) {
      case 'get': {
        const value = this.#store.get(fromBase64(request.key))
        return { id, ok: true, value: value == null ? null : toBase64(value) }
      }
      case 'set':
        this.#store.set(fromBase64(request.key), fromBase64(request.value))
        await this.#store.flush?.()
        return { id, ok: true }
      case 'del': {
        const deleted = this.#store.delete(fromBase64(request.key))
        await this.#store.flush?.()
        return { id, ok: true, deleted }
      }
      case 'list': {
        const prefix = request.prefix == null ? undefined : fromBase64(request.prefix)
        const entries: Array<[string, string]> = []
        for (const [key, value] of this.#store.entries()) {
          if (prefix == null || startsWith(key, prefix)) entries.push([toBase64(key), toBase64(value)])
        }
        return { id, ok: true, entries }
      }
      case 'status':
        return { id, ok: true, status: this.#status() }
      default:
        return { id, ok: false, error: { code: 'bad-request', message: `unknown op ${JSON.stringify((request as { op?: unknown }).op)}` } }
    }
  }

  #watch (socket: Socket, id: number): () => void {
    const onChange = (event: ChangeEvent<Uint8Array, Uint8Array>): void => {
      if (socket.writableLength > MAX_WATCH_BACKLOG_BYTES) {
        socket.destroy(new Error('watcher fell behind'))
        return
      }
      for (const { key, value } of event.changes) {
        writeLine(socket, { id, change: { origin: event.origin, key: toBase64(key), value: value == null ? null : toBase64(value) } })
      }
    }
    this.#store.addEventListener('change', onChange)
    return () => { this.#store.removeEventListener('change', onChange as EventListener) }
  }
}
