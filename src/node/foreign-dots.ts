import type { DiffStore } from '../protocols/diff/index.ts'
import type { Dot, Op, ReplicaId } from '../store/types.ts'
import type { PeerId } from '@libp2p/interface'

/**
 * The first dot of the store's own id among `ops` that it has not seen. Every seq a store issued
 * is in its seen set once committed (a rolled-back one was never sent), so an own dot it has not
 * seen is one it never issued. Decided by our own state, not by the message's form: gossipsub is
 * told to ignore such a message, not to penalise the neighbour that forwarded it in good faith.
 */
export function foreignDotIn (ops: readonly Op[], store: { readonly replicaId: ReplicaId, hasSeen: (dot: Dot) => boolean }): Dot | undefined {
  const own = store.replicaId
  for (const op of ops) {
    if (op.kind === 'set' && op.dot.replica === own && !store.hasSeen(op.dot)) return op.dot
    for (const dot of op.removes) if (dot.replica === own && !store.hasSeen(dot)) return dot
  }
  return undefined
}

/**
 * The store as the diff protocol sees it while pulling from `peer`: every integration is marked
 * as coming from that peer for its (synchronous) duration, so that what the store reports while
 * it integrates, a foreign dot say, is laid at the right door.
 */
export function attributedStore (store: DiffStore, peer: PeerId, mark: (peer: PeerId | undefined) => void): DiffStore {
  return {
    get inTransaction () { return store.inTransaction },
    requestDiff: (options) => store.requestDiff(options),
    buildDiffFrames: (request, options) => store.buildDiffFrames(request, options),
    verifyDiff: async (diff, options) => { await store.verifyDiff?.(diff, options) },
    deathsInDoubt: () => store.deathsInDoubt?.() === true,
    integrateDiff: (diff) => {
      mark(peer)
      try {
        return store.integrateDiff(diff)
      } finally {
        mark(undefined)
      }
    }
  }
}
