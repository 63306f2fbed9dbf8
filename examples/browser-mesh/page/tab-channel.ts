/**
 * Tabs of one browser (one origin, one profile) sync through a `BroadcastChannel`, with no relay
 * and no network, as y-webrtc, automerge-repo and TinyBase do. It is a small transport of its own,
 * beside the libp2p mesh; both carry the same store and what arrives twice is integrated once.
 *
 * Messages (structured-cloned objects; the payloads are the package's wire encodings):
 * - `ops`: a local commit's ops, to every tab (remote integrations are not forwarded).
 * - `request`: "send me what I lack", a diff request; every tab that hears it answers with
 *   `diff` frames addressed to the requester. A tab hearing a request from a tab it did not
 *   know sends its own request back, so two tabs that meet sync both ways.
 * - `state`: a heartbeat with the sender's state hash, every few seconds and soon after
 *   anything arrived from the network; a tab whose hash differs asks for what it lacks.
 *   A missing seq in received ops (a gap) asks too.
 * - `bye`: the tab is closing or going offline.
 */
import { decodeDiff, decodeDiffRequest, decodeOps, encodeDiff, encodeDiffRequest, encodeOps } from '../../../src/browser.ts'
import type { ChangeEvent, ReplicaStore, OpsEvent } from '../../../src/browser.ts'

/**
 * An encoded message up to 2 KiB is a view into a buffer shared with other messages, and
 * postMessage clones a view's whole buffer: post such a message as a copy of its own.
 */
function alone (message: Uint8Array): Uint8Array {
  return message.byteLength === message.buffer.byteLength ? message : message.slice()
}

type TabMessage =
  | { type: 'ops', from: string, ops: Uint8Array }
  | { type: 'request', from: string, request: Uint8Array }
  | { type: 'diff', from: string, to: string, frame: Uint8Array }
  | { type: 'state', from: string, hash: Uint8Array }
  | { type: 'bye', from: string }

export interface TabChannelOptions {
  /** Send a heartbeat this often, in ms. @default 5000 */
  heartbeat?: number
  /** Forget a tab not heard from for this long, in ms. @default 15000 */
  expiry?: number
  /** Ask for a diff at most this often, in ms. @default 1000 */
  minRequestInterval?: number
}

export interface TabChannelStats {
  messagesSent: number
  messagesReceived: number
  opsReceived: number
  diffFramesReceived: number
  requestsSent: number
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}

function isMessage (data: unknown): data is TabMessage {
  if (typeof data !== 'object' || data == null) return false
  const m = data as Record<string, unknown>
  if (typeof m.from !== 'string') return false
  switch (m.type) {
    case 'ops': return m.ops instanceof Uint8Array
    case 'request': return m.request instanceof Uint8Array
    case 'diff': return typeof m.to === 'string' && m.frame instanceof Uint8Array
    case 'state': return m.hash instanceof Uint8Array
    case 'bye': return true
    default: return false
  }
}

const nextTask = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 0)) }

export class TabChannel extends EventTarget {
  /** This tab, as other tabs know it. */
  readonly id = crypto.randomUUID()
  readonly name: string
  readonly stats: TabChannelStats = { messagesSent: 0, messagesReceived: 0, opsReceived: 0, diffFramesReceived: 0, requestsSent: 0 }
  readonly #store: ReplicaStore<string, string>
  readonly #options: Required<TabChannelOptions>
  /** Other tabs, with when each was last heard from. */
  readonly #tabs = new Map<string, number>()
  readonly #inbox: TabMessage[] = []
  #channel: BroadcastChannel | undefined
  #heartbeat: ReturnType<typeof setInterval> | undefined
  #stateSoon: ReturnType<typeof setTimeout> | undefined
  #requestSoon: ReturnType<typeof setTimeout> | undefined
  #lastRequest = Number.NEGATIVE_INFINITY

  constructor (store: ReplicaStore<string, string>, name: string, options: TabChannelOptions = {}) {
    super()
    this.#store = store
    this.name = name
    this.#options = { heartbeat: 5000, expiry: 15_000, minRequestInterval: 1000, ...options }
  }

  get isOpen (): boolean {
    return this.#channel != null
  }

  /** The other tabs heard from recently. */
  get tabs (): string[] {
    const now = Date.now()
    for (const [tab, seen] of this.#tabs) if (now - seen > this.#options.expiry) this.#tabs.delete(tab)
    return [...this.#tabs.keys()]
  }

  open (): void {
    if (this.#channel != null) return
    this.#channel = new BroadcastChannel(this.name)
    this.#channel.addEventListener('message', this.#onMessage)
    this.#store.addEventListener('ops', this.#onLocalOps)
    this.#store.addEventListener('change', this.#onChange)
    this.#heartbeat = setInterval(() => { this.#sendState() }, this.#options.heartbeat)
    this.#request()
    this.#changed()
  }

  close (): void {
    if (this.#channel == null) return
    this.#post({ type: 'bye', from: this.id })
    this.#channel.close()
    this.#channel = undefined
    this.#store.removeEventListener('ops', this.#onLocalOps)
    this.#store.removeEventListener('change', this.#onChange)
    clearInterval(this.#heartbeat)
    clearTimeout(this.#stateSoon)
    clearTimeout(this.#requestSoon)
    this.#stateSoon = undefined
    this.#requestSoon = undefined
    this.#tabs.clear()
    this.#inbox.length = 0
    this.#changed()
  }

  /** Posts to the other tabs; encoded messages go through {@link alone}. */
  #post (message: TabMessage): void {
    if (this.#channel == null) return
    this.stats.messagesSent++
    this.#channel.postMessage(message)
  }

  #changed (): void {
    this.dispatchEvent(new Event('tabs'))
  }

  readonly #onLocalOps = (event: OpsEvent): void => {
    this.#post({ type: 'ops', from: this.id, ops: alone(encodeOps(event.ops)) })
  }

  /** What came from the network is not forwarded as ops: tell the tabs our state moved, and they ask. */
  readonly #onChange = (event: ChangeEvent<string, string>): void => {
    if (event.origin !== 'remote' || this.#stateSoon != null) return
    this.#stateSoon = setTimeout(() => {
      this.#stateSoon = undefined
      this.#sendState()
    }, 250)
  }

  #sendState (): void {
    this.#post({ type: 'state', from: this.id, hash: this.#store.stateHash() })
  }

  /** Asks every tab for what we lack, at most once per `minRequestInterval`. */
  #request (): void {
    if (this.#requestSoon != null || this.#channel == null) return
    const wait = this.#lastRequest + this.#options.minRequestInterval - performance.now()
    const send = (): void => {
      this.#requestSoon = undefined
      this.#lastRequest = performance.now()
      this.stats.requestsSent++
      this.#post({ type: 'request', from: this.id, request: alone(encodeDiffRequest(this.#store.requestDiff())) })
    }
    if (wait <= 0) send()
    else this.#requestSoon = setTimeout(send, wait)
  }

  readonly #onMessage = (event: MessageEvent): void => {
    if (!isMessage(event.data) || event.data.from === this.id) return
    const message = event.data
    this.stats.messagesReceived++
    if (message.type === 'bye') {
      this.#tabs.delete(message.from)
      this.#changed()
      return
    }
    const known = this.#tabs.has(message.from)
    this.#tabs.set(message.from, Date.now())
    if (!known) this.#changed()
    if (message.type === 'request') {
      if (!known) this.#request()
      void this.#answer(message.from, message.request)
    } else if (message.type === 'state') {
      if (!sameBytes(message.hash, this.#store.stateHash())) this.#request()
    } else if (message.type === 'ops' || message.to === this.id) {
      this.#inbox.push(message)
      this.#integrate()
    }
  }

  /** Streams our diff to a tab, one frame per task so a large one does not freeze this tab. */
  async #answer (to: string, bytes: Uint8Array): Promise<void> {
    try {
      for (const frame of this.#store.buildDiffFrames(decodeDiffRequest(bytes))) {
        if (this.#channel == null) return
        this.#post({ type: 'diff', from: this.id, to, frame: alone(encodeDiff(frame)) })
        await nextTask()
      }
    } catch (err) {
      console.warn('could not answer a sync request from another tab', err)
    }
  }

  /** Integrates what arrived, or waits for the app's open transaction to end. */
  #integrate (): void {
    if (this.#store.inTransaction) {
      setTimeout(() => { this.#integrate() }, 5)
      return
    }
    let gap = false
    for (const message of this.#inbox.splice(0)) {
      try {
        if (message.type === 'ops') {
          const ops = decodeOps(message.ops)
          this.#store.integrateOps(ops)
          this.stats.opsReceived += ops.length
          // Every seq of a writer is a set: one below a set we got that we never saw was lost.
          gap ||= ops.some((op) => op.kind === 'set' && op.dot.seq > 1 && !this.#store.hasSeen({ replica: op.dot.replica, seq: op.dot.seq - 1 }))
        } else if (message.type === 'diff') {
          this.#store.integrateDiff(decodeDiff(message.frame))
          this.stats.diffFramesReceived++
        }
      } catch (err) {
        console.warn('dropping a malformed message from another tab', err)
      }
    }
    if (gap) this.#request()
  }
}
