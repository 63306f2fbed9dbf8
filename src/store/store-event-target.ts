import { CountedEventTarget } from './counted-event-target.ts'
import type { ChangeEvent } from './change-event.ts'
import type { OpsEvent } from './ops-event.ts'
import type { ForeignDotEvent } from './foreign-dot-event.ts'
import type { EquivocationEvent } from './writer-keys/equivocation-event.ts'
import type { DeathsRefusedEvent } from './writer-keys/deaths-refused-event.ts'

/** The store as the target of its own events, for the parts that fire them (`listening` is protected). */
export interface StoreEventSink {
  dispatchEvent: (event: Event) => boolean
  listening: (type: string) => boolean
}

/** Each event a store fires, by type: `change` (every commit and integration that changed anything), `ops` (local commits, once signed), `foreign-dot`, `equivocation`, `deaths-refused`. */
export interface StoreEventMap<K, V> {
  change: ChangeEvent<K, V>
  ops: OpsEvent
  'foreign-dot': ForeignDotEvent
  equivocation: EquivocationEvent
  'deaths-refused': DeathsRefusedEvent
}

/** The store's events, typed by {@link StoreEventMap}. */
export interface StoreEventTarget<K, V> {
  addEventListener<T extends keyof StoreEventMap<K, V>>(type: T, listener: ((event: StoreEventMap<K, V>[T]) => void) | null, options?: AddEventListenerOptions | boolean): void
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void
  removeEventListener<T extends keyof StoreEventMap<K, V>>(type: T, listener: ((event: StoreEventMap<K, V>[T]) => void) | null, options?: EventListenerOptions | boolean): void
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void
}

/** The event target a store is: its listeners typed by event, and counted (see {@link CountedEventTarget}). */
export class StoreEventTarget<K, V> extends CountedEventTarget {
  /** A handle through which the store's parts fire its events. */
  protected eventSink (): StoreEventSink {
    return { dispatchEvent: (event) => this.dispatchEvent(event), listening: (type) => this.listening(type) }
  }
}
