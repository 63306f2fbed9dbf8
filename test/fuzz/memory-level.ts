// A level database in memory, for opening LevelStores on records the fuzzer made up: no disk, so
// a case costs microseconds, and a database is just the records of a case. Keys sort bytewise,
// as LevelDB's do (the store relies on seen sets loading before entries).

import { useLevelBackend, type LevelDatabase } from '../../src/store/level/level-backend.ts'
import type { BatchOp } from '../../src/store/level/write-queue.ts'
import type { Records } from './generators.ts'

const key = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'))

export class MemoryDatabase implements LevelDatabase {
  readonly #records = new Map<string, Uint8Array>()

  constructor (records: Records = []) {
    for (const [k, v] of records) this.#records.set(key(k), v)
  }

  async open (): Promise<void> {}
  async close (): Promise<void> {}

  async get (k: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#records.get(key(k))
  }

  async batch (ops: BatchOp[]): Promise<void> {
    for (const op of ops) {
      if (op.type === 'put') this.#records.set(key(op.key), op.value)
      else this.#records.delete(key(op.key))
    }
  }

  iterator (options: { gt?: Uint8Array, gte?: Uint8Array, lt?: Uint8Array } = {}): { nextv(size: number): Promise<Array<[Uint8Array, Uint8Array]>>, close(): Promise<void> } {
    const { gt, gte, lt } = { gt: options.gt && key(options.gt), gte: options.gte && key(options.gte), lt: options.lt && key(options.lt) }
    // latin1 strings compare as their bytes do.
    const sorted = [...this.#records.keys()].filter((k) => (gt == null || k > gt) && (gte == null || k >= gte) && (lt == null || k < lt)).sort()
    let at = 0
    return {
      nextv: async (size) => {
        const step = sorted.slice(at, at + size).map((k): [Uint8Array, Uint8Array] => [bytesOf(k), this.#records.get(k)!])
        at += step.length
        return step
      },
      close: async () => {}
    }
  }
}

const databases = new Map<string, MemoryDatabase>()
let next = 0

/** Makes LevelStore.open read memory databases; call once, in the fuzzer's own thread. */
export function useMemoryLevel (): void {
  useLevelBackend({
    name: 'fuzz-memory',
    database: (location) => {
      const db = databases.get(location)
      if (db == null) throw new Error(`no memory database at ${location}`)
      databases.delete(location)
      return db
    }
  })
}

/** A location that LevelStore.open resolves to a database holding `records`. */
export function memoryLocation (records: Records): string {
  const location = `memory:${next++}`
  databases.set(location, new MemoryDatabase(records))
  return location
}
