import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateMeshKey, loadOrCreatePeerKey } from '../../src/index.ts'
import type { PrivateKey } from '@libp2p/interface'

/** Where `npm start` and `npm run relay` keep the relay's files unless given `--data`. */
export const DEFAULT_RELAY_DATA = new URL('./.relay-data/', import.meta.url).pathname

/**
 * A relay's data directory: its libp2p key (`peer.key`), so it keeps its peer id, and the
 * addresses others dial, across restarts; the mesh key (`mesh.key`), so the links pages hold
 * stay valid; and the addresses it listens on (`relay.json`), for a page server run apart.
 */
export class RelayData {
  readonly dir: string

  constructor (dir: string) {
    this.dir = dir
  }

  async peerKey (): Promise<PrivateKey> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    return await loadOrCreatePeerKey(join(this.dir, 'peer.key'))
  }

  /** The key kept here, else `given`, else a fresh one; kept for the next start. */
  async meshKey (given?: string): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    const path = join(this.dir, 'mesh.key')
    const kept = (await readFile(path, 'utf8').catch(() => '')).trim()
    if (given == null && kept !== '') return kept
    const key = given ?? generateMeshKey()
    if (key !== kept) await writeFile(path, `${key}\n`, { mode: 0o600 })
    return key
  }

  async writeAddresses (addresses: string[]): Promise<void> {
    await writeFile(join(this.dir, 'relay.json'), JSON.stringify({ addresses }) + '\n')
  }

  /** The addresses the relay last listened on; [] before its first start. */
  async readAddresses (): Promise<string[]> {
    const text = await readFile(join(this.dir, 'relay.json'), 'utf8').catch(() => '')
    if (text === '') return []
    const parsed = JSON.parse(text) as { addresses?: unknown }
    return Array.isArray(parsed.addresses) ? parsed.addresses.filter((a): a is string => typeof a === 'string') : []
  }
}
