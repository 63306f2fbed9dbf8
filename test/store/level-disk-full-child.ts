// Runs inside a mount namespace with a small tmpfs at <dir>: fills it with commits until the store
// reports StoreFullError, frees the ballast file, checks that writing resumes, then reopens the
// store and reports what it holds. Prints one JSON line per step for level-disk-full.test.ts.
// Usage: node level-disk-full-child.ts <dir>
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LevelStore, StoreFullError } from '../../src/index.ts'
import { noise } from './level-damage-fixture.ts'

const [dir] = process.argv.slice(2)
const report = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const key = (i: number, j: number): Uint8Array => new TextEncoder().encode(`c${i}-${j}`)

// Room enough, once freed, for LevelDB to write out what its log holds when it reopens.
await writeFile(join(dir, 'ballast'), new Uint8Array(5 * 1024 * 1024))
const location = join(dir, 'store')
const store = await LevelStore.open(location)
const committed = new Map<string, string>()
let full: unknown
let i = 0
for (; i < 1000 && full == null; i++) {
  store.begin()
  for (let j = 0; j < 8; j++) store.set(key(i, j), noise(16 * 1024, i * 8 + j + 1))
  try {
    await store.commit()
    for (let j = 0; j < 8; j++) committed.set(hex(key(i, j)), hex(noise(16 * 1024, i * 8 + j + 1)))
  } catch (err) {
    full = err
  }
}
report({ step: 'full', commits: committed.size / 8, name: (full as any)?.name, code: (full as any)?.code, message: (full as any)?.message, typed: full instanceof StoreFullError })

// Still full: a write fails the same way, and so does flush.
store.set(new TextEncoder().encode('while-full'), noise(64 * 1024, 99))
const again = await store.flush().then(() => 'resolved', (err) => err instanceof StoreFullError ? 'StoreFullError' : String(err))
report({ step: 'still-full', flush: again })

await rm(join(dir, 'ballast'))
const resumed = await store.flush().then(() => 'resolved', (err) => String(err))
store.begin()
store.set(new TextEncoder().encode('after'), Uint8Array.of(1, 2, 3))
const after = await store.commit().then(() => 'resolved', (err) => String(err))
report({ step: 'freed', flush: resumed, commit: after })
await store.close()

const reopened = await LevelStore.open(location)
let missing = 0
for (const [k, v] of committed) if (hex(reopened.get(Buffer.from(k, 'hex')) ?? new Uint8Array(0)) !== v) missing++
report({
  step: 'reopened',
  committed: committed.size,
  missing,
  failedCommitKept: reopened.get(key(i - 1, 0)) != null,
  whileFullKept: reopened.get(new TextEncoder().encode('while-full')) != null,
  afterKept: reopened.get(new TextEncoder().encode('after')) != null
})
await reopened.close()
