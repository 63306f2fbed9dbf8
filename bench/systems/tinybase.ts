// TinyBase: a MergeableStore with one table, row id = hex key, one cell 'v'
// holding the value as base64 (cells can't hold bytes).
//
// Sync replays what createCustomSynchronizer does when one store pulls from
// another (getChangesFromOtherStore in tinybase/synchronizers): ask for the
// content hashes, then table diff, row diff and cell diff only while hashes
// still differ, then applyMergeableChanges. Every message is sized and parsed
// as the WebSocket synchronizer frames it: `clientId \n JSON([requestId, type, body])`.
// Op sync ships each transaction's getTransactionMergeableChanges(), which is
// what the synchronizer broadcasts as a ContentDiff on every local change.
import {
  createMergeableStore,
  type CellHashes,
  type ContentHashes,
  type MergeableChanges,
  type MergeableStore,
  type RowHashes,
  type TableHashes,
  type TablesStamp,
  type ValuesStamp,
} from 'tinybase'
import { packageVersion } from './package-version.ts'
import { fromBase64, hexKey, toBase64 } from './string-keys.ts'
import type { BenchSystem, SyncRound } from './types.ts'

export const name = 'tinybase'
export const version = packageVersion('tinybase')

const TABLE = 'kv'
const CELL = 'v'
// Synchronizer message types (Message in tinybase/synchronizers).
const RESPONSE = 0
const GET_CONTENT_HASHES = 1
const GET_TABLE_DIFF = 4
const GET_ROW_DIFF = 5
const GET_CELL_DIFF = 6
const GET_VALUE_DIFF = 7
// Ids the synchronizer puts in every frame: a 16-char client id and an 11.4-char request id.
const CLIENT_ID = 'c'.repeat(16)
const REQUEST_ID = 't'.repeat(11) + '.' + 'r'.repeat(4)

interface TinyBaseReplica {
  store: MergeableStore
  /** Set by a did-finish-transaction listener, attached lazily so bulk writes don't pay for it. */
  lastChanges: MergeableChanges | undefined
  listening: boolean
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

// The synchronizers' JSON keeps undefined (a deleted cell) distinct from null
// (a legal cell value) by writing it as U+FFFC; plain JSON would resurrect deletes as nulls.
const UNDEFINED = '\uFFFC'

function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value, (_key, item: unknown) => (item === undefined ? UNDEFINED : item)))
}

function restoreUndefined(item: unknown): unknown {
  if (item === UNDEFINED) return undefined
  if (Array.isArray(item)) return item.map(restoreUndefined)
  if (item !== null && typeof item === 'object') {
    return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, restoreUndefined(inner)]))
  }
  return item
}

function decodeJson<T>(bytes: Uint8Array): T {
  return restoreUndefined(JSON.parse(decoder.decode(bytes))) as T
}

/** Puts one message on the "wire": frame, encode, decode, parse, as the WebSocket synchronizer does. */
class Wire {
  bytes = 0
  messages = 0
  firstMessageBytes = 0
  send<T>(type: number, body: T): T {
    const header = encoder.encode(CLIENT_ID + '\n')
    const payload = encodeJson([REQUEST_ID, type, body])
    const size = header.length + payload.length
    if (this.messages++ === 0) this.firstMessageBytes = size
    this.bytes += size
    return decodeJson<[string, number, T]>(payload)[2]
  }
  /** A request from the puller and the responder's answer. */
  exchange<Q, A>(type: number, body: Q, respond: (body: Q) => A): A {
    return this.send(RESPONSE, respond(this.send(type, body)))
  }
}

const latestHlc = (a: string | undefined, b: string | undefined): string =>
  ((a ?? '') > (b ?? '') ? a : b) ?? ''

/** Same as mergeTablesStamps inside createCustomSynchronizer. */
function mergeTablesStamps(into: TablesStamp, [tables, tablesTime]: TablesStamp): void {
  for (const [tableId, [rows, tableTime]] of Object.entries(tables)) {
    const table = (into[0][tableId] ??= [{}])
    for (const [rowId, [cells, rowTime]] of Object.entries(rows)) {
      const row = (table[0][rowId] ??= [{}])
      for (const [cellId, [cell, cellTime]] of Object.entries(cells)) {
        row[0][cellId] = cellTime ? [cell, cellTime] : [cell]
      }
      row[1] = latestHlc(row[1], rowTime)
    }
    table[1] = latestHlc(table[1], tableTime)
  }
  into[1] = latestHlc(into[1], tablesTime)
}

function pull(to: MergeableStore, from: MergeableStore): SyncRound {
  const wire = new Wire()
  let roundTrips = 1
  const [tablesHash, valuesHash] = wire.exchange(GET_CONTENT_HASHES, '', (): ContentHashes => from.getMergeableContentHashes())
  const [ownTablesHash, ownValuesHash] = to.getMergeableContentHashes()
  let tables: TablesStamp = [{}]
  if (tablesHash !== ownTablesHash) {
    roundTrips++
    const [newTables, differentTables] = wire.exchange(GET_TABLE_DIFF, to.getMergeableTableHashes(), (hashes: TableHashes) => from.getMergeableTableDiff(hashes))
    tables = newTables
    if (Object.keys(differentTables).length > 0) {
      roundTrips++
      const [newRows, differentRows] = wire.exchange(GET_ROW_DIFF, to.getMergeableRowHashes(differentTables), (hashes: RowHashes) => from.getMergeableRowDiff(hashes))
      mergeTablesStamps(tables, newRows)
      if (Object.keys(differentRows).length > 0) {
        roundTrips++
        mergeTablesStamps(tables, wire.exchange(GET_CELL_DIFF, to.getMergeableCellHashes(differentRows), (hashes: CellHashes) => from.getMergeableCellDiff(hashes)))
      }
    }
  }
  let values: ValuesStamp = [{}]
  if (valuesHash !== ownValuesHash) {
    roundTrips++
    values = wire.exchange(GET_VALUE_DIFF, to.getMergeableValueHashes(), (hashes) => from.getMergeableValueDiff(hashes))
  }
  to.applyMergeableChanges([tables, values, 1])
  return { requestBytes: wire.firstMessageBytes, bytes: wire.bytes, roundTrips }
}

export const system: BenchSystem<TinyBaseReplica, string, string> = {
  name,
  version,
  key: hexKey,
  value: toBase64,
  create: () => ({ store: createMergeableStore(), lastChanges: undefined, listening: false }),
  write({ store }, keys, values) {
    store.transaction(() => {
      for (let i = 0; i < keys.length; i++) {
        const value = values[i]
        if (value === null) store.delRow(TABLE, keys[i])
        else store.setCell(TABLE, keys[i], CELL, value)
      }
    })
  },
  setAsOp(replica, key, value) {
    const { store } = replica
    if (!replica.listening) {
      store.addDidFinishTransactionListener(() => { replica.lastChanges = store.getTransactionMergeableChanges() })
      replica.listening = true
    }
    store.setCell(TABLE, key, CELL, value)
    return encodeJson(replica.lastChanges)
  },
  applyOp({ store }, op) {
    store.applyMergeableChanges(decodeJson<MergeableChanges>(op))
  },
  get({ store }, key) {
    const cell = store.getCell(TABLE, key, CELL)
    return typeof cell === 'string' ? fromBase64(cell) : undefined
  },
  size: ({ store }) => store.getRowCount(TABLE),
  sync: {
    pull: (to, from) => pull(to.store, from.store),
    snapshotBytes: ({ store }) => encodeJson(store.getMergeableContent()).length,
  },
}
