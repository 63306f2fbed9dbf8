import { h, numberFormat } from './dom.ts'
import type { Change } from '../../../../src/browser.ts'

/** Rows drawn at most; the rest are a filter away. Drawing is what costs, not the store's size. */
const MAX_ROWS = 100
/** Redraw at most this often while changes pour in, in ms. */
const MIN_REDRAW_INTERVAL = 150
/** Rows that arrived from the mesh flash, unless a sync brought more than this many at once. */
const MAX_FLASHING_ROWS = 10

export interface EntriesTableOptions {
  /** The key's value now. */
  get: (key: string) => string | undefined
  /** How many concurrent values the key holds (more than 1: a conflict LWW resolved). */
  siblings: (key: string) => number
  onDelete: (key: string) => void
  onPick: (key: string, value: string) => void
}

interface DrawnRow { index: number, value: string | undefined, siblings: number, row: HTMLTableRowElement }

function merge (a: string[], b: string[]): string[] {
  const out = new Array<string>(a.length + b.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < a.length && j < b.length) out[k++] = a[i] < b[j] ? a[i++] : b[j++]
  while (i < a.length) out[k++] = a[i++]
  while (j < b.length) out[k++] = b[j++]
  return out
}

function includes (sorted: string[], key: string): boolean {
  let low = 0
  let high = sorted.length - 1
  while (low <= high) {
    const mid = (low + high) >>> 1
    if (sorted[mid] === key) return true
    if (sorted[mid] < key) low = mid + 1
    else high = mid - 1
  }
  return false
}

/**
 * The live table of entries, in key order. It keeps only a sorted list of the keys (values are
 * read from the store for the rows on screen), updated from the store's change events: new keys
 * are merged in once per redraw, so a 100,000-entry sync arriving in frames never re-sorts or
 * redraws everything per frame, and rows that did not change are kept as they are.
 */
export class EntriesTable {
  readonly #body: HTMLTableSectionElement
  readonly #count: HTMLElement
  readonly #footer: HTMLElement
  readonly #options: EntriesTableOptions
  #sorted: string[] = []
  /** Keys set / deleted since the last redraw. */
  readonly #added = new Set<string>()
  readonly #removed = new Set<string>()
  readonly #arrived = new Set<string>()
  #filter = ''
  /** The rows on screen, by key. */
  #drawn = new Map<string, DrawnRow>()
  #frame: number | undefined
  #lastDraw = 0

  constructor (body: HTMLTableSectionElement, count: HTMLElement, footer: HTMLElement, options: EntriesTableOptions) {
    this.#body = body
    this.#count = count
    this.#footer = footer
    this.#options = options
    body.addEventListener('click', (event) => {
      const target = event.target as HTMLElement
      const key = target.closest('tr')?.dataset.key
      if (key == null) return
      if (target.closest('button.delete') != null) options.onDelete(key)
      else options.onPick(key, options.get(key) ?? '')
    })
  }

  load (keys: Iterable<string>): void {
    for (const key of keys) this.#added.add(key)
    this.#schedule()
  }

  apply (changes: ReadonlyArray<Change<string, string>>, origin: 'local' | 'remote'): void {
    for (const { key, value } of changes) {
      if (value === undefined) {
        this.#removed.add(key)
        this.#added.delete(key)
      } else {
        this.#removed.delete(key)
        this.#added.add(key)
      }
      if (origin === 'remote') this.#arrived.add(key)
    }
    this.#schedule()
  }

  setFilter (text: string): void {
    this.#filter = text
    this.#schedule()
  }

  #schedule (): void {
    if (this.#frame != null) return
    this.#frame = requestAnimationFrame(() => {
      const wait = this.#lastDraw + MIN_REDRAW_INTERVAL - performance.now()
      if (wait > 0) {
        setTimeout(() => { this.#frame = undefined; this.#schedule() }, wait)
        return
      }
      this.#frame = undefined
      this.#draw()
    })
  }

  #sortKeys (): void {
    if (this.#removed.size > 0) {
      this.#sorted = this.#sorted.filter((key) => !this.#removed.has(key))
      this.#removed.clear()
    }
    if (this.#added.size > 0) {
      const fresh = [...this.#added].filter((key) => !includes(this.#sorted, key)).sort()
      this.#sorted = merge(this.#sorted, fresh)
      this.#added.clear()
    }
  }

  #draw (): void {
    this.#lastDraw = performance.now()
    this.#sortKeys()
    const filter = this.#filter.trim()
    const keys: string[] = []
    let matches = 0
    for (const key of this.#sorted) {
      if (filter !== '' && !key.includes(filter)) continue
      matches++
      if (keys.length < MAX_ROWS) keys.push(key)
      else if (filter === '') break
    }
    if (filter === '') matches = this.#sorted.length
    const flash = this.#arrived.size <= MAX_FLASHING_ROWS
    // During a large sync the rows on screen rarely change: rebuilding them, and laying the
    // table out again, is what would cost.
    const unchanged = keys.length > 0 && keys.length === this.#drawn.size && keys.every((key, i) => this.#drawn.get(key)?.index === i && !this.#arrived.has(key))
    if (!unchanged) {
      const drawn = new Map<string, DrawnRow>()
      const rows = keys.map((key, index) => {
        const value = this.#options.get(key)
        const siblings = this.#options.siblings(key)
        const old = this.#drawn.get(key)
        const row = old != null && old.value === value && old.siblings === siblings
          ? old.row
          : this.#row(key, value ?? '', siblings, flash && this.#arrived.has(key))
        drawn.set(key, { index, value, siblings, row })
        return row
      })
      if (rows.length === 0) {
        const text = filter === '' ? 'No entries yet. Set a key here, or in another window.' : `No key contains “${filter}”.`
        rows.push(h('tr', { class: 'empty' }, h('td', { colspan: '3' }, text)))
      }
      this.#body.replaceChildren(...rows)
      this.#drawn = drawn
    }
    this.#arrived.clear()
    this.#count.textContent = numberFormat.format(this.#sorted.length)
    this.#footer.textContent = matches > MAX_ROWS
      ? `Showing the first ${MAX_ROWS} of ${numberFormat.format(matches)} keys${filter === '' ? '. Filter to find the others.' : '.'}`
      : ''
  }

  #row (key: string, value: string, siblings: number, flash: boolean): HTMLTableRowElement {
    return h('tr', { 'data-key': key, class: flash ? 'arrived' : undefined },
      h('td', { class: 'key' }, key),
      h('td', { class: 'value' }, value,
        siblings > 1 ? h('span', { class: 'conflict', title: 'Concurrent writes; the latest one wins' }, `${siblings} versions`) : null),
      h('td', { class: 'actions' }, h('button', { class: 'delete', type: 'button', title: `Delete ${key}`, 'aria-label': `Delete ${key}` }, '×'))
    )
  }
}
