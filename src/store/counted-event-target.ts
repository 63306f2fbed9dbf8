/**
 * An EventTarget that knows whether anyone listens for a type: the store builds an event's
 * contents (a change list, a commit's ops) only when someone will read them.
 */
export class CountedEventTarget extends EventTarget {
  readonly #listeners = new Map<string, number>()

  override addEventListener (type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void {
    if (listener != null) this.#listeners.set(type, (this.#listeners.get(type) ?? 0) + 1)
    super.addEventListener(type, listener, options)
  }

  override removeEventListener (type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void {
    const count = this.#listeners.get(type) ?? 0
    if (listener != null && count > 0) this.#listeners.set(type, count - 1)
    super.removeEventListener(type, listener, options)
  }

  /** Whether a listener for `type` was added and not removed. */
  protected listening (type: string): boolean {
    return (this.#listeners.get(type) ?? 0) > 0
  }
}
