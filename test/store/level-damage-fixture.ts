// Stores with one file damaged, as a disk or a careless hand would leave them, for the damage tests.
import { createHash } from 'node:crypto'
import { readdir, readFile, stat, truncate, unlink, open } from 'node:fs/promises'
import { join } from 'node:path'
import { LevelStore } from '../../src/index.ts'

export const FILE_KINDS = ['CURRENT', 'MANIFEST', '.ldb', '.log'] as const
export const DAMAGES = ['deleted', 'truncated', 'scribbled'] as const
export type FileKind = typeof FILE_KINDS[number]
export type Damage = typeof DAMAGES[number]

/** Bytes that do not compress, so that a scribble in a table lands in values, as on a real disk. */
export function noise (length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed | 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

const key = (i: number): Uint8Array => new TextEncoder().encode(`key-${String(i).padStart(4, '0')}`)

/**
 * A store closed cleanly with its first 300 entries in a table (.ldb) and its last commit only in
 * the log (.log), as a clean close leaves it. Returns every entry (hex key → hex value) and its replica id.
 */
export async function writeStore (dir: string): Promise<{ expected: Map<string, string>, replicaId: string }> {
  const expected = new Map<string, string>()
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
  let store = await LevelStore.open(dir)
  for (let batch = 0; batch < 3; batch++) {
    store.begin()
    for (let i = batch * 100; i < batch * 100 + 100; i++) {
      const value = noise(512, i + 1)
      store.set(key(i), value)
      expected.set(hex(key(i)), hex(value))
    }
    await store.commit()
  }
  await store.close()
  // Reopening turns the log into a table; what comes after stays in the new log.
  store = await LevelStore.open(dir)
  store.begin()
  for (let i = 300; i < 310; i++) {
    store.set(key(i), noise(64, i + 1))
    expected.set(hex(key(i)), hex(noise(64, i + 1)))
  }
  await store.commit()
  await store.close()
  return { expected, replicaId: store.replicaId }
}

/** The file of a kind in a LevelDB directory: the largest table, the log that holds records. */
export async function fileOf (dir: string, kind: FileKind): Promise<string> {
  const names = await readdir(dir)
  const sized = await Promise.all(names.map(async (name) => ({ name, size: (await stat(join(dir, name))).size })))
  const matching = sized.filter(({ name }) => kind === 'CURRENT' ? name === 'CURRENT' : kind === 'MANIFEST' ? name.startsWith('MANIFEST-') : name.endsWith(kind))
  matching.sort((a, b) => b.size - a.size)
  if (matching.length === 0 || (kind === '.log' && matching[0].size === 0)) throw new Error(`no ${kind} file with data in ${dir}: ${names.join(', ')}`)
  return join(dir, matching[0].name)
}

/** Damages one file: deleted, cut to half its length, or 256 bytes of noise written over its middle. */
export async function damage (path: string, how: Damage, seed = 7): Promise<void> {
  if (how === 'deleted') return await unlink(path)
  const { size } = await stat(path)
  if (how === 'truncated') return await truncate(path, Math.floor(size / 2))
  const file = await open(path, 'r+')
  try {
    await file.write(noise(256, seed), 0, 256, Math.max(0, Math.floor(size / 2) - 128))
  } finally {
    await file.close()
  }
}

/** Every file of a directory (LevelDB's lock and info log aside) with a hash of its bytes: what "unchanged" means. */
export async function listing (dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const name of (await readdir(dir)).sort()) {
    if (name === 'LOCK' || name.startsWith('LOG')) continue
    out[name] = createHash('sha256').update(await readFile(join(dir, name))).digest('hex').slice(0, 16)
  }
  return out
}
