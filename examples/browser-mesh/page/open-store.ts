import { LevelStore, stringCodec } from '../../../src/browser.ts'

/** The page's replica: string keys and values. */
export type PageStore = LevelStore<string, string>

/** Opens this tab's replica in IndexedDB, so a reload keeps what the tab had and catches up from there. */
export async function openStore (name: string): Promise<PageStore> {
  return await LevelStore.open<string, string>(name, { name, keys: stringCodec, values: stringCodec })
}
