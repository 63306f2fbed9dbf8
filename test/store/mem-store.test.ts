import { MemStore } from '../../src/index.ts'
import { storeConformance } from './store-conformance.ts'

// MemStore's behaviour is the shared store conformance suite; LevelStore runs it too (level-store.test.ts).
storeConformance('MemStore', {
  make: async (name, options) => new MemStore(name, options),
  settle: async (store) => { await store.signed() }
})
