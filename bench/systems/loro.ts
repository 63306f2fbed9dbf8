// Loro: one LoroMap at the root. Sync sends the oplog version vector and gets
// back export({mode: 'update', from}); op sync ships each commit's local
// update as delivered by subscribeLocalUpdates.
import { LoroDoc, VersionVector, type LoroMap } from 'loro-crdt'
import { packageVersion } from './package-version.ts'
import { hexKey } from './string-keys.ts'
import type { BenchSystem } from './types.ts'

export const name = 'loro'
export const version = packageVersion('loro-crdt')

interface LoroReplica {
  doc: LoroDoc
  map: LoroMap
  /** Filled by subscribeLocalUpdates, attached lazily so bulk commits don't pay for exporting. */
  lastUpdate: Uint8Array | undefined
  listening: boolean
}

export const system: BenchSystem<LoroReplica, string, Uint8Array> = {
  name,
  version,
  key: hexKey,
  value: (bytes) => bytes,
  create() {
    const doc = new LoroDoc()
    return { doc, map: doc.getMap('kv'), lastUpdate: undefined, listening: false }
  },
  write(replica, keys, values) {
    for (let i = 0; i < keys.length; i++) {
      const value = values[i]
      if (value === null) replica.map.delete(keys[i])
      else replica.map.set(keys[i], value)
    }
    replica.doc.commit()
  },
  setAsOp(replica, key, value) {
    if (!replica.listening) {
      replica.doc.subscribeLocalUpdates((update) => { replica.lastUpdate = update })
      replica.listening = true
    }
    replica.map.set(key, value)
    replica.doc.commit()
    return replica.lastUpdate!
  },
  applyOp(replica, op) {
    replica.doc.import(op)
  },
  get: (replica, key) => replica.map.get(key) as Uint8Array | undefined,
  size: (replica) => replica.map.size,
  sync: {
    pull(to, from) {
      const request = to.doc.oplogVersion().encode()
      const update = from.doc.export({ mode: 'update', from: VersionVector.decode(request) })
      to.doc.import(update)
      return { requestBytes: request.length, bytes: request.length + update.length, roundTrips: 1 }
    },
    snapshotBytes: (replica) => replica.doc.export({ mode: 'snapshot' }).length,
  },
}
