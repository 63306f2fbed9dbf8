type Child = Node | string | number | null | undefined | false

/** Makes an element: `h('td', { class: 'key' }, 'hello')`. */
export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attributes: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) if (value != null) element.setAttribute(name, value)
  for (const child of children) {
    if (child == null || child === false) continue
    element.append(child instanceof Node ? child : String(child))
  }
  return element
}

/** `12D3KooWAbc…wxyz`: enough of a peer id to tell peers apart. */
export function shortId (id: string): string {
  return id.length > 14 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id
}

export function formatBytes (bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

export function formatAgo (at: number | undefined, now = Date.now()): string {
  if (at == null) return 'never'
  const seconds = Math.max(0, Math.round((now - at) / 1000))
  if (seconds < 2) return 'just now'
  if (seconds < 120) return `${seconds} s ago`
  return `${Math.round(seconds / 60)} min ago`
}

export const numberFormat = new Intl.NumberFormat('en')
