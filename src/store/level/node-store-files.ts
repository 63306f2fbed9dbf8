// The file-system side of opening a LevelStore on Node.js. LevelDB, once open, deletes every file
// its MANIFEST does not list and rewrites CURRENT; told to create a missing database, it makes a
// new one over whatever is there. So nothing reaches LevelDB before it is known to be a database,
// and every open is guarded: the LevelDB files are hard-linked aside first (no data is copied),
// and a failed open puts them back as they were.

import { randomBytes } from 'node:crypto'
import { cp, link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { CorruptStoreError } from '../errors.ts'
import type { DamagedRecords, DirectoryKind, OpenGuard, Seal, StoreFiles } from './level-backend.ts'

const GUARD_PREFIX = '.open-guard-'
/** Written by a clean close; see Seal. */
export const SEAL_FILE = 'ROARING-MESH-SEAL'
/** LevelDB's own bookkeeping, which holds no data: a directory with only these is empty. */
const NOT_DATA = new Set(['LOCK', 'LOG', 'LOG.old'])
const LEVEL_FILE = /^(?:CURRENT|MANIFEST-\d+|\d+\.(?:ldb|sst|log))$/
const READ_STEP = 1000
/** What a refused open puts back as it was: LevelDB's files, its info log and its lock file too, so that not a byte differs. */
const guarded = (name: string): boolean => LEVEL_FILE.test(name) || NOT_DATA.has(name)

function refuse (location: string, why: string, cause?: unknown): never {
  throw new CorruptStoreError(`${location}: ${why}; nothing in it was changed`, cause == null ? undefined : { cause })
}

async function inspect (location: string): Promise<DirectoryKind> {
  let names: string[]
  try {
    names = await readdir(location)
  } catch (err: any) {
    if (err.code === 'ENOENT') return 'new'
    if (err.code === 'ENOTDIR') refuse(location, 'not a directory', err)
    throw err
  }
  const held = names.filter((name) => !NOT_DATA.has(name) && !name.startsWith(GUARD_PREFIX))
  if (held.length === 0) return 'new'
  if (!names.includes('CURRENT')) {
    refuse(location, `holds files but no database: CURRENT is missing (${held.length} files, such as ${held.slice(0, 3).join(', ')}); open it with { salvage: true } to recover what checks out`)
  }
  const current = await readFile(join(location, 'CURRENT'), 'latin1')
  const manifest = /^(MANIFEST-\d+)\n$/.exec(current)?.[1]
  if (manifest == null) refuse(location, `CURRENT is damaged: it does not name a MANIFEST (${JSON.stringify(current.slice(0, 40))})`)
  const size = await stat(join(location, manifest)).then((s) => s.size, () => undefined)
  if (size == null) refuse(location, `CURRENT names ${manifest}, which is missing`)
  if (size === 0) refuse(location, `${manifest} is empty`)
  return 'database'
}

async function inode (path: string): Promise<number | undefined> {
  return await stat(path).then((s) => s.ino, () => undefined)
}

async function guard (location: string): Promise<OpenGuard> {
  const dir = join(location, `${GUARD_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`)
  await mkdir(dir)
  const saved: string[] = []
  for (const name of await readdir(location)) {
    if (!guarded(name)) continue
    await link(join(location, name), join(dir, name))
    saved.push(name)
  }
  return {
    // The store checked out, so whatever LevelDB removed was obsolete; a guard a crashed open left is stale too.
    release: async () => {
      for (const name of await readdir(location)) if (name.startsWith(GUARD_PREFIX)) await rm(join(location, name), { recursive: true, force: true })
    },
    restore: async () => {
      for (const name of saved) {
        const original = join(location, name)
        if (await inode(original) !== await inode(join(dir, name))) await rename(join(dir, name), original)
      }
      // What LevelDB made during the failed open (a new MANIFEST, log and table, its info log) is
      // derived from the files just put back, which no longer name it.
      for (const name of await readdir(location)) if (guarded(name) && !saved.includes(name)) await unlink(join(location, name))
      await rm(dir, { recursive: true, force: true })
    }
  }
}

async function readSeal (location: string): Promise<Seal | undefined> {
  const path = join(location, SEAL_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: any) {
    if (err.code === 'ENOENT') return undefined
    throw err
  }
  let seal: any
  try {
    seal = JSON.parse(text)
  } catch (err) {
    throw new CorruptStoreError(`${path} is damaged (not JSON)`, { cause: err })
  }
  if (typeof seal?.replica !== 'string' || !Number.isSafeInteger(seal?.batch)) throw new CorruptStoreError(`${path} is damaged (no replica and batch)`)
  return { replica: seal.replica, batch: seal.batch }
}

async function writeSeal (location: string, seal: Seal): Promise<void> {
  const path = join(location, SEAL_FILE)
  const partial = `${path}.tmp`
  await writeFile(partial, JSON.stringify(seal) + '\n', { flush: true })
  await rename(partial, path)
  const dir = await open(location, 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

async function takeDamaged (location: string, visit: (key: Uint8Array, value: Uint8Array) => void): Promise<DamagedRecords> {
  const movedTo = `${location}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`
  await rename(location, movedTo)
  // LevelDB's repair rewrites the directory it is given: it gets a copy, never the damaged files.
  const copy = `${location}.salvage-${process.pid}`
  const errors: Error[] = []
  try {
    // A copy a crashed salvage left behind is ours, and stale.
    await rm(copy, { recursive: true, force: true })
    await cp(movedTo, copy, { recursive: true, filter: (source) => !source.includes(GUARD_PREFIX) })
    await ClassicLevel.repair(copy)
    const db = new ClassicLevel<Uint8Array, Uint8Array>(copy, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: false })
    await db.open()
    try {
      await readAll(db, visit, errors)
    } finally {
      await db.close()
    }
  } catch (err: any) {
    errors.push(err)
  } finally {
    await rm(copy, { recursive: true, force: true })
  }
  return { movedTo, errors }
}

/** Every readable record; after a read error, reading goes on past the last good key, once. */
async function readAll (db: ClassicLevel<Uint8Array, Uint8Array>, visit: (key: Uint8Array, value: Uint8Array) => void, errors: Error[]): Promise<void> {
  let last: Uint8Array | undefined
  while (true) {
    const iterator = db.iterator(last == null ? {} : { gt: last })
    let progressed = false
    try {
      while (true) {
        const step = await iterator.nextv(READ_STEP)
        if (step.length === 0) return
        for (const [key, value] of step) {
          visit(key, value)
          last = key
          progressed = true
        }
      }
    } catch (err: any) {
      errors.push(err)
      // A retry that reads nothing new before failing again would fail for ever.
      if (!progressed && errors.length > 1) return
    } finally {
      await iterator.close()
    }
  }
}

export const nodeStoreFiles: StoreFiles = { inspect, guard, readSeal, writeSeal, takeDamaged, move: async (from, to) => { await rename(from, to) } }
