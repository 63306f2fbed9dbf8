/**
 * Tabs of one browser (one origin, one profile) sync through a `BroadcastChannel`, with no relay
 * and no network, as y-webrtc, automerge-repo and TinyBase do. It is a small transport of its own,
 * beside the libp2p mesh; both carry the same store, their ops enter it through the same
 * {@link OpIntake}, and what arrives twice is integrated once. A tab hearing a request from a tab
 * it did not know sends its own request back, so two tabs that meet sync both ways; a missing
 * seq in received ops (a gap) asks too. Messages are in tab-messages.ts.
 */
import { defaultLogger } from '@libp2p/logger'
import { nextTask, whenIdle } from '../../protocols/diff/diff-store.ts'
import { decodeDiff, encodeDiff } from '../../protocols/wire/diff-codec.ts'
import { decodeDiffRequest, encodeDiffRequest } from '../../protocols/wire/diff-request-codec.ts'
import { decodeOps, encodeOps } from '../../protocols/wire/ops-codec.ts'
import { OpIntake } from '../op-intake.ts'
import { InvalidSignatureError } from '../../store/writer-keys/errors.ts'
import { alone, isTabMessage, sameBytes, type TabMessage } from './tab-messages.ts'
import type { DiffStore } from '../../protocols/diff/diff-store.ts'
import type { OpIntakeStore } from '../op-intake.ts'
import type { ChangeEvent } from '../../store/change-event.ts'
import type { OpsEvent } from '../../store/ops-event.ts'
import type { Op } from '../../store/types.ts'
import type { Logger } from '@libp2p/interface'

/** What the tab channel needs of the store: a `MemStore` or a `LevelStore`. */
export interface TabChannelStore extends OpIntakeStore, DiffStore, Pick<EventTarget, 'addEventListener' | 'removeEventListener'> {
  stateHash(): Uint8Array
  /** Verifies ops' signatures ahead of integrating them (WebCrypto answers asynchronously). */
  verifyOps(ops: readonly Op[]): Promise<boolean>
}

export interface TabChannelOptions {
  /** Send a heartbeat this often, in ms. @default 5000 */
  heartbeat?: number
  /** Forget a tab not heard from for this long, in ms. @default 15000 */
  expiry?: number
  /** Ask for a diff at most this often, in ms. @default 1000 */
  minRequestInterval?: number
  log?: Logger
}

export interface TabChannelStats {
  messagesSent: number
  messagesReceived: number
  opsReceived: number
  diffFramesReceived: number
  requestsSent: number
  /** Messages from other tabs that did not decode or integrate. */
  invalidMessages: number
}

/** The same-browser transport; dispatches `tabs` when the set of other tabs changes. */
export class TabChannel extends EventTarget {
  /** This tab, as other tabs know it. */
  readonly id = crypto.randomUUID()
  readonly name: string
  readonly stats: TabChannelStats = { messagesSent: 0, messagesReceived: 0, opsReceived: 0, diffFramesReceived: 0, requestsSent: 0, invalidMessages: 0 }
  readonly #store: TabChannelStore
  readonly #options: Required<Omit<TabChannelOptions, 'log'>>
  readonly #log: Logger
  readonly #intake: OpIntake<string>
  /** Other tabs, with when each was last heard from. */
  readonly #tabs = new Map<string, number>()
  #channel: BroadcastChannel | undefined
  #heartbeat: ReturnType<typeof setInterval> | undefined
  #stateSoon: ReturnType<typeof setTimeout> | undefined
  #requestSoon: ReturnType<typeof setTimeout> | undefined
  #lastRequest = Number.NEGATIVE_INFINITY
  /** Diff frames integrate one at a time, in order. */
  #frames: Promise<void> = Promise.resolve()
  /** Ops messages are verified one after another, so that they reach the intake in order. */
  #ops: Promise<void> = Promise.resolve()

  constructor (store: TabChannelStore, name: string, options: TabChannelOptions = {}) {
    super()
    this.#store = store
    this.name = name
    const { log, ...rest } = options
    this.#options = { heartbeat: 5000, expiry: 15_000, minRequestInterval: 1000, ...rest }
    this.#log = log ?? defaultLogger().forComponent('roaring-mesh:tab-channel')
    this.#intake = new OpIntake<string>(store, {
      foreign: (tab, error) => { this.#invalid(tab, error) },
      invalid: (tab, error) => { this.#invalid(tab, error) },
      gap: () => { this.#request() }
    })
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
    this.#intake.stop()
    this.#tabs.clear()
    this.#changed()
  }

  #post (message: TabMessage): void {
    if (this.#channel == null) return
    this.stats.messagesSent++
    this.#channel.postMessage(message)
  }

  #changed (): void {
    this.dispatchEvent(new Event('tabs'))
  }

  #invalid (tab: string, error: unknown): void {
    this.stats.invalidMessages++
    this.#log.error('dropping a message from tab %s - %e', tab, error)
  }

  readonly #onLocalOps = (event: Event): void => {
    this.#post({ type: 'ops', from: this.id, ops: alone(encodeOps((event as OpsEvent).ops)) })
  }

  /** What came from the network is not forwarded as ops: tell the tabs our state moved, and they ask. */
  readonly #onChange = (event: Event): void => {
    if ((event as ChangeEvent<unknown, unknown>).origin !== 'remote' || this.#stateSoon != null) return
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
    if (!isTabMessage(event.data) || event.data.from === this.id) return
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
    switch (message.type) {
      case 'request':
        if (!known) this.#request()
        void this.#answer(message.from, message.request)
        break
      case 'state':
        if (!sameBytes(message.hash, this.#store.stateHash())) this.#request()
        break
      case 'ops':
        this.#receiveOps(message.from, message.ops)
        break
      case 'diff':
        if (message.to === this.id) this.#frames = this.#frames.then(async () => { await this.#integrateFrame(message.from, message.frame) })
        break
    }
  }

  #receiveOps (tab: string, bytes: Uint8Array): void {
    let ops
    try {
      ops = decodeOps(bytes)
    } catch (err) {
      this.#invalid(tab, err)
      return
    }
    this.stats.opsReceived += ops.length
    // Signatures first: a browser verifies them only asynchronously, and the store only integrates ops verified.
    const verified = this.#store.verifyOps(ops)
    this.#ops = this.#ops.then(async () => {
      if (!await verified) this.#invalid(tab, new InvalidSignatureError('ops not signed by their writer\'s key'))
      else if (this.#channel != null) this.#intake.receive(ops, tab)
    })
  }

  async #integrateFrame (tab: string, bytes: Uint8Array): Promise<void> {
    try {
      const frame = decodeDiff(bytes)
      await this.#store.verifyDiff?.(frame)
      await whenIdle(this.#store)
      if (this.#channel == null) return
      await this.#store.integrateDiff(frame)
      this.stats.diffFramesReceived++
    } catch (err) {
      this.#invalid(tab, err)
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
      this.#invalid(to, err)
    }
  }
}
