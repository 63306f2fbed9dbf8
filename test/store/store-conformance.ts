import { conformanceKit, type StoreFactory } from './conformance-kit.ts'
import { storeCommitSuite } from './store-commit-suite.ts'
import { storeSemanticsSuite } from './store-semantics-suite.ts'
import { storeSyncSuite } from './store-sync-suite.ts'

export type { StoreFactory } from './conformance-kit.ts'

// The behaviour every store shares, run against MemStore (mem-store.test.ts) and LevelStore
// (level-store.test.ts). Writes and integrations are awaited: a LevelStore's resolve once
// durable, a MemStore's return nothing.

export function storeConformance (kind: string, factory: StoreFactory): void {
  const kit = conformanceKit(factory)
  storeSemanticsSuite(kind, kit)
  storeCommitSuite(kind, kit)
  storeSyncSuite(kind, kit)
}
