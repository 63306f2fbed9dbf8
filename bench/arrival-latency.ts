import type { ReplicaStore } from '../src/index.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/**
 * Times keys from write to arrival: `sent(key)` when a peer writes it, and `latencies` gains
 * the ms until `store` (another peer's) integrates it.
 */
export function arrivalLatency (store: ReplicaStore): { sent: (key: Uint8Array) => void, latencies: number[] } {
  const sentAt = new Map<string, number>()
  const latencies: number[] = []
  store.addEventListener('change', (event) => {
    const now = performance.now()
    for (const { key } of event.changes) {
      const t = sentAt.get(hex(key))
      if (t != null) latencies.push(now - t)
    }
  })
  return { sent: (key) => { sentAt.set(hex(key), performance.now()) }, latencies }
}
