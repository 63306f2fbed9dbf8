import { BrowserLevel } from 'browser-level'
import { CorruptStoreError } from '../errors.ts'
import { bytesToKeyString } from '../key-string.ts'
import { Reader, Writer, recordKey, stringBytes } from './idb-records.ts'
import type { LevelDatabase } from './level-backend.ts'
import type { BatchOp } from './write-queue.ts'

// IndexedDB pays per record: each put is a request to the browser's storage process, and a
// database of 100,000 small records grows slower to write as it grows. A store's records are many
// and small (one per key), so this database keeps them packed: every batch is ONE record, appended
// to a log (as y-indexeddb appends one record per update), and once the log outgrows the rest the
// whole state is rewritten as a few packs of about 1 MiB, in one transaction. What LevelStore sees
// is unchanged: the same records, read by key or in key order, and batches that land whole or not
// at all (one IndexedDB transaction each, compaction included).
//
//   log record   'L' u64be(n)  → ops: (kind:u8 (0 put, 1 del) key:bytes [value:bytes])*
//   pack record  'P' u32be(i)  → records: (key:bytes value:bytes)*
//   (bytes = u32le length, then the bytes)
//
// A store written before packing holds one IndexedDB record per LevelStore record (keys 'M', 'S',
// 'V'): they are read as they are, under the packs and the log, and go at the first compaction.

const LOG = 0x4c
const PACK = 0x50
const PUT = 0
const DEL = 1
/** The size a pack is cut at. */
const PACK_BYTES = 1 << 20
/** The log is folded into packs once it holds this much and more than the packs do. */
const MIN_COMPACT_BYTES = 4 << 20
/**
 * IndexedDB records read per step: a step's values are deserialised in one task, and packs are
 * ~1 MiB each, log records as large as a batch (64 a step made tasks of 15–50 ms on a 2-core VM
 * while a page synced).
 */
const READ_STEP = 4
/** Records decoded between two yields to the page, so that no task runs long. */
const YIELD_EVERY = 2_000
/** Bytes packed between two yields to the page: a store's records are packs of up to 64 KiB. */
const YIELD_BYTES = 1 << 20

type Records = Map<string, Uint8Array>

async function yieldToPage (): Promise<void> {
  await new Promise((resolve) => { setTimeout(resolve, 0) })
}

function completion (transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => { resolve() }
    transaction.onabort = () => { reject(transaction.error ?? new Error('the IndexedDB transaction was aborted')) }
  })
}

function request<T> (req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(req.error ?? new Error('an IndexedDB request failed')) }
  })
}

/** LevelStore's database in a browser: its records packed into few IndexedDB records (see above). */
export class IdbLogDatabase implements LevelDatabase {
  readonly #level: BrowserLevel<Uint8Array, Uint8Array>
  /** The number the next log record takes. */
  #nextLog = 0
  #logBytes = 0
  #packBytes = 0
  /** Every record, once a read needed them; dropped by the next write (reads come only at open). */
  #records: Records | undefined

  constructor (location: string) {
    this.#level = new BrowserLevel<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' })
  }

  get #idb (): IDBDatabase {
    return (this.#level as unknown as { db: IDBDatabase }).db
  }

  get #storeName (): string {
    return this.#level.location
  }

  async open (): Promise<void> {
    await this.#level.open()
    this.#records = await this.#readAll()
  }

  async close (): Promise<void> {
    this.#records = undefined
    await this.#level.close()
  }

  async get (key: Uint8Array): Promise<Uint8Array | undefined> {
    this.#records ??= await this.#readAll()
    return this.#records.get(bytesToKeyString(key))
  }

  iterator (options: { gt?: Uint8Array, gte?: Uint8Array, lt?: Uint8Array } = {}): { nextv: (size: number) => Promise<Array<[Uint8Array, Uint8Array]>>, close: () => Promise<void> } {
    let keys: string[] | undefined
    let records: Records | undefined
    let at = 0
    return {
      nextv: async (size) => {
        if (keys == null || records == null) {
          records = this.#records ??= await this.#readAll()
          const after = options.gt == null ? undefined : bytesToKeyString(options.gt)
          const from = options.gte == null ? undefined : bytesToKeyString(options.gte)
          const below = options.lt == null ? undefined : bytesToKeyString(options.lt)
          keys = [...records.keys()].filter((key) => (after == null || key > after) && (from == null || key >= from) && (below == null || key < below)).sort()
        }
        const step = keys.slice(at, at + size)
        at += step.length
        return step.map((key) => [stringBytes(key), records!.get(key)!])
      },
      close: async () => {}
    }
  }

  /** Appends the batch as one log record, then folds the log into packs if it has outgrown them. */
  async batch (ops: BatchOp[]): Promise<void> {
    this.#records = undefined
    let size = 0
    for (const op of ops) size += 9 + op.key.byteLength + (op.type === 'put' ? op.value.byteLength : 0)
    const writer = new Writer(size)
    for (const op of ops) {
      writer.u8(op.type === 'put' ? PUT : DEL)
      writer.bytes(op.key)
      if (op.type === 'put') writer.bytes(op.value)
    }
    const record = writer.finish()
    const transaction = this.#idb.transaction([this.#storeName], 'readwrite')
    const done = completion(transaction)
    transaction.objectStore(this.#storeName).put(record, recordKey(LOG, this.#nextLog, 8))
    transaction.commit()
    await done
    this.#nextLog++
    this.#logBytes += record.byteLength
    if (this.#logBytes >= MIN_COMPACT_BYTES && this.#logBytes > this.#packBytes) await this.#compact()
  }

  /** Rewrites every record as packs, in one transaction that also removes the log and the old records. */
  async #compact (): Promise<void> {
    const records = await this.#readAll()
    const packs: Uint8Array[] = []
    let writer: Writer | undefined
    let size = 0
    let decoded = 0
    let copied = 0
    for (const [key, value] of records) {
      const bytes = 8 + key.length + value.byteLength
      if (writer == null || size + bytes > PACK_BYTES) {
        if (writer != null) packs.push(writer.finish())
        writer = new Writer(Math.max(PACK_BYTES, bytes))
        size = 0
      }
      writer.bytes(stringBytes(key))
      writer.bytes(value)
      size += bytes
      copied += bytes
      if (++decoded % YIELD_EVERY === 0 || copied >= YIELD_BYTES) {
        copied = 0
        await yieldToPage()
      }
    }
    if (writer != null) packs.push(writer.finish())
    const transaction = this.#idb.transaction([this.#storeName], 'readwrite')
    const done = completion(transaction)
    const store = transaction.objectStore(this.#storeName)
    store.clear()
    // One pack per task: a put serialises its value in the task that makes it, and every pack of a
    // 100,000-entry store put at once was one task of 35–66 ms. A put made from the success event
    // of the one before keeps the transaction alive, so the compaction stays one transaction.
    let next = 0
    const putNext = (): void => {
      if (next === packs.length) {
        transaction.commit()
        return
      }
      store.put(packs[next], recordKey(PACK, next, 4)).onsuccess = putNext
      next++
    }
    putNext()
    await done
    this.#nextLog = 0
    this.#logBytes = 0
    this.#packBytes = packs.reduce((sum, pack) => sum + pack.byteLength, 0)
  }

  /**
   * Every LevelStore record: the records of the old layout, then the packs, then the log in the
   * order it was written. Also learns where the log ends and how large the parts are.
   */
  async #readAll (): Promise<Records> {
    const records: Records = new Map()
    const logs: Array<[number, Uint8Array]> = []
    const packs: Uint8Array[] = []
    let packBytes = 0
    let logBytes = 0
    // In steps, each in its own task: one getAll of a large store would be one long task.
    for (let after: IDBValidKey | undefined; ;) {
      const store = this.#idb.transaction([this.#storeName], 'readonly').objectStore(this.#storeName)
      const range = after === undefined ? undefined : IDBKeyRange.lowerBound(after, true)
      const [keys, values] = await Promise.all([request(store.getAllKeys(range, READ_STEP)), request(store.getAll(range, READ_STEP))])
      for (let i = 0; i < keys.length; i++) {
        const key = new Uint8Array(keys[i] as ArrayBuffer)
        const value = values[i] as Uint8Array
        if (key[0] === LOG && key.byteLength === 9) {
          logs.push([Number(new DataView(key.buffer).getBigUint64(1)), value])
          logBytes += value.byteLength
        } else if (key[0] === PACK && key.byteLength === 5) {
          packs.push(value)
          packBytes += value.byteLength
        } else {
          records.set(bytesToKeyString(key), value)
          packBytes += key.byteLength + value.byteLength
        }
      }
      if (keys.length < READ_STEP) break
      after = keys[keys.length - 1]
      await yieldToPage()
    }
    let decoded = 0
    for (const pack of packs) {
      const reader = new Reader(pack)
      while (!reader.done) {
        records.set(bytesToKeyString(reader.bytes()), reader.bytes())
        if (++decoded % YIELD_EVERY === 0) await yieldToPage()
      }
    }
    for (const [, log] of logs.sort((a, b) => a[0] - b[0])) {
      const reader = new Reader(log)
      while (!reader.done) {
        const kind = reader.u8()
        const key = bytesToKeyString(reader.bytes())
        if (kind === PUT) records.set(key, reader.bytes())
        else if (kind === DEL) records.delete(key)
        else throw new CorruptStoreError(`a log record in IndexedDB holds an op of kind ${kind}`)
        if (++decoded % YIELD_EVERY === 0) await yieldToPage()
      }
    }
    this.#nextLog = logs.length === 0 ? 0 : logs[logs.length - 1][0] + 1
    this.#logBytes = logBytes
    this.#packBytes = packBytes
    return records
  }
}
