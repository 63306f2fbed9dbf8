// Yjs: one Y.Map at the root. Sync is the standard two-step protocol
// (state vector -> update since that vector); op sync ships each
// transaction's 'update' event payload.
import * as Y from 'yjs'
import { packageVersion } from './package-version.ts'
import { hexKey } from './string-keys.ts'
import type { BenchSystem } from './types.ts'

export const name = 'yjs'
export const version = packageVersion('yjs')

interface YjsReplica {
  doc: Y.Doc
  map: Y.Map<Uint8Array>
  /** Payload of the last 'update' event; the listener is only attached once op sync starts, so bulk writes don't pay for update encoding. */
  lastUpdate: Uint8Array | undefined
  listening: boolean
}

export const system: BenchSystem<YjsReplica, string, Uint8Array> = {
  name,
  version,
  key: hexKey,
  value: (bytes) => bytes,
  create() {
    const doc = new Y.Doc()
    return { doc, map: doc.getMap<Uint8Array>('kv'), lastUpdate: undefined, listening: false }
  },
  write(replica, keys, values) {
    replica.doc.transact(() => {
      for (let i = 0; i < keys.length; i++) {
        const value = values[i]
        if (value === null) replica.map.delete(keys[i])
        else replica.map.set(keys[i], value)
      }
    })
  },
  setAsOp(replica, key, value) {
    if (!replica.listening) {
      replica.doc.on('update', (update: Uint8Array) => { replica.lastUpdate = update })
      replica.listening = true
    }
    replica.doc.transact(() => replica.map.set(key, value))
    return replica.lastUpdate!
  },
  applyOp(replica, op) {
    Y.applyUpdate(replica.doc, op)
  },
  get: (replica, key) => replica.map.get(key),
  size: (replica) => replica.map.size,
  sync: {
    pull(to, from) {
      const stateVector = Y.encodeStateVector(to.doc)
      const update = Y.encodeStateAsUpdate(from.doc, stateVector)
      Y.applyUpdate(to.doc, update)
      return { requestBytes: stateVector.length, bytes: stateVector.length + update.length, roundTrips: 1 }
    },
    snapshotBytes: (replica) => Y.encodeStateAsUpdate(replica.doc).length,
  },
}
