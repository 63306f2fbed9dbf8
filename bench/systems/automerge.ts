// Automerge: a map document whose properties are hex keys holding byte values.
// Sync is Automerge's own sync protocol (generateSyncMessage /
// receiveSyncMessage until both sides have nothing to say), starting from
// fresh sync states like a new connection; op sync ships each change.
import * as Automerge from '@automerge/automerge'
import { packageVersion } from './package-version.ts'
import { hexKey } from './string-keys.ts'
import type { BenchSystem, SyncRound } from './types.ts'

export const name = 'automerge'
export const version = packageVersion('@automerge/automerge')

type KvDoc = Record<string, Uint8Array>

/** Automerge documents are immutable values; the replica is the current one. */
interface AutomergeReplica {
  doc: Automerge.Doc<KvDoc>
}

function pull(to: AutomergeReplica, from: AutomergeReplica): SyncRound {
  let toState = Automerge.initSyncState()
  let fromState = Automerge.initSyncState()
  let bytes = 0
  let messages = 0
  let requestBytes = 0
  // The puller speaks first; alternate until neither side has a message.
  for (let idle = 0, turn = 0; idle < 2; turn++) {
    const pullerTurn = turn % 2 === 0
    const [sender, receiver] = pullerTurn ? [to, from] : [from, to]
    let message: Uint8Array | null
    if (pullerTurn) [toState, message] = Automerge.generateSyncMessage(sender.doc, toState)
    else [fromState, message] = Automerge.generateSyncMessage(sender.doc, fromState)
    if (message === null) { idle++; continue }
    idle = 0
    if (messages++ === 0) requestBytes = message.length
    bytes += message.length
    if (pullerTurn) [receiver.doc, fromState] = Automerge.receiveSyncMessage(receiver.doc, fromState, message)
    else [receiver.doc, toState] = Automerge.receiveSyncMessage(receiver.doc, toState, message)
  }
  return { requestBytes, bytes, roundTrips: Math.ceil(messages / 2) }
}

export const system: BenchSystem<AutomergeReplica, string, Uint8Array> = {
  name,
  version,
  key: hexKey,
  value: (bytes) => bytes,
  create: () => ({ doc: Automerge.init<KvDoc>() }),
  write(replica, keys, values) {
    replica.doc = Automerge.change(replica.doc, (doc) => {
      for (let i = 0; i < keys.length; i++) {
        const value = values[i]
        if (value === null) delete doc[keys[i]]
        else doc[keys[i]] = value
      }
    })
  },
  setAsOp(replica, key, value) {
    replica.doc = Automerge.change(replica.doc, (doc) => { doc[key] = value })
    return Automerge.getLastLocalChange(replica.doc)!
  },
  applyOp(replica, op) {
    ;[replica.doc] = Automerge.applyChanges(replica.doc, [op])
  },
  get: (replica, key) => replica.doc[key],
  size: (replica) => Object.keys(replica.doc).length,
  sync: {
    pull,
    snapshotBytes: (replica) => Automerge.save(replica.doc).length,
  },
}
