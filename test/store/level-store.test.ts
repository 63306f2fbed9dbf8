import { after } from 'node:test'
import { LevelStore } from '../../src/index.ts'
import { LevelFixture } from './level-fixture.ts'
import { storeConformance } from './store-conformance.ts'

const fixture = new LevelFixture()
after(async () => { await fixture.cleanup() })

storeConformance('LevelStore', {
  make: async (name, options) => await fixture.open(undefined, { ...options, name }),
  settle: async (store) => {
    await store.signed()
    if (store instanceof LevelStore) await store.flush()
  }
})
