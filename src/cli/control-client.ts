import { connect, type Socket } from 'node:net'
import { CliError, ExitCode } from './cli-error.ts'
import { readLines, writeLine, type ChangeLine, type Request, type Response } from './control-protocol.ts'

type RequestBody = Request extends infer R ? R extends Request ? Omit<R, 'id'> : never : never

/** The explanation a shell user gets when the socket cannot be opened, by errno. */
function connectError (err: NodeJS.ErrnoException, socketPath: string, dataDir: string): CliError {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    return new CliError(ExitCode.notRunning, `no peer is running on ${dataDir} (start one with: roaring-mesh peer --data ${dataDir})`, { cause: err })
  }
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new CliError(ExitCode.notRunning, `permission denied on ${socketPath}: the peer running there belongs to another user`, { cause: err })
  }
  return new CliError(ExitCode.notRunning, `cannot reach the peer at ${socketPath}: ${err.message}`, { cause: err })
}

/** A connection to the running peer's control socket: requests, their responses, and watched changes. */
export class ControlClient {
  readonly #socket: Socket
  readonly #pending = new Map<number, { resolve: (response: Response) => void, reject: (err: Error) => void }>()
  readonly #watchers = new Map<number, (line: ChangeLine) => void>()
  #nextId = 1
  #closed: Promise<void>

  private constructor (socket: Socket) {
    this.#socket = socket
    readLines(socket, (line) => { this.#onLine(line) })
    this.#closed = new Promise((resolve) => {
      socket.on('close', () => {
        const gone = new CliError(ExitCode.failure, 'the peer closed the control connection (it is stopping, or was stopped)')
        for (const { reject } of this.#pending.values()) reject(gone)
        this.#pending.clear()
        resolve()
      })
    })
    socket.on('error', () => { /* 'close' follows and rejects what is pending */ })
  }

  /** Connects to the socket of the peer running on `dataDir`; a {@link CliError} says why not. */
  static async connect (socketPath: string, dataDir: string): Promise<ControlClient> {
    const socket = connect(socketPath)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', (err) => { reject(connectError(err, socketPath, dataDir)) })
    })
    return new ControlClient(socket)
  }

  /** Sends a request and resolves with the peer's response (a failure response is not thrown). */
  request (body: RequestBody): Promise<Response> {
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      writeLine(this.#socket, { ...body, id } as Request)
    })
  }

  /** Starts watching: `onChange` gets every change from now on. Resolves when the peer confirmed. */
  async watch (onChange: (change: ChangeLine['change']) => void): Promise<Response> {
    const id = this.#nextId
    this.#watchers.set(id, (line) => { onChange(line.change) })
    return await this.request({ op: 'watch' })
  }

  /** Resolves when the connection is closed, by either side. */
  closed (): Promise<void> {
    return this.#closed
  }

  close (): void {
    this.#socket.end()
  }

  #onLine (line: string): void {
    let message: Response | ChangeLine
    try {
      message = JSON.parse(line)
    } catch {
      this.#socket.destroy(new Error('the peer sent a line that is not JSON'))
      return
    }
    if ('change' in message) {
      this.#watchers.get(message.id)?.(message)
      return
    }
    const pending = this.#pending.get(message.id)
    this.#pending.delete(message.id)
    pending?.resolve(message)
  }
}
