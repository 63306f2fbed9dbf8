import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import type { Writable } from 'node:stream'
import { CorruptStoreError, InvalidArgumentError, LevelStore, OutdatedStoreError, exportEntries, exportLine, importEntries, migrateStore, parseExportLine, type ExportedEntry } from '../index.ts'
import { CliError, ExitCode } from './cli-error.ts'
import { dataFiles } from './data-dir.ts'
import type { Invocation } from './args.ts'

export interface StoreCommandOutput {
  /** A line for the user on stderr: stdout may be the export itself. */
  note: (line: string) => void
}

/** Opens the data directory's store directly, which only works while no peer holds it. */
async function openDirect (dataDir: string, create: boolean): Promise<LevelStore> {
  const files = dataFiles(dataDir)
  if (create) await mkdir(dataDir, { recursive: true, mode: 0o700 })
  else if (!existsSync(files.store)) throw new CliError(ExitCode.failure, `there is no store in ${dataDir} to export`)
  try {
    // The store says whether its writers are bound to keys: one made with --no-writer-keys opens so.
    return await LevelStore.open(files.store).catch(async (err) => {
      if (err?.name === 'WriterKeysMismatchError') return await LevelStore.open(files.store, { writerKeys: false })
      throw err
    })
  } catch (err: any) {
    if (err?.code === 'LEVEL_LOCKED' || err?.cause?.code === 'LEVEL_LOCKED') {
      throw new CliError(ExitCode.locked, `${dataDir} is in use by a running peer: stop it first (export and import open the store directly)`)
    }
    if (err instanceof OutdatedStoreError) throw new CliError(ExitCode.failure, `${files.store}: store format ${err.version} was written before writers were bound to keys; nothing was changed. Run roaring-mesh migrate --data ${dataDir} first (the old store is kept)`, { cause: err })
    if (err instanceof CorruptStoreError) throw new CliError(ExitCode.failure, `${err.message} (roaring-mesh peer --salvage keeps what checks out)`, { cause: err })
    throw new CliError(ExitCode.failure, `cannot open the store in ${files.store}: ${err.message}`, { cause: err })
  }
}

async function writeLine (out: Writable, line: string): Promise<void> {
  if (!out.write(line + '\n')) await once(out, 'drain')
}

/** `export`: every entry as JSON lines to the file or stdout. */
async function runExport (invocation: Invocation, dataDir: string, output: StoreCommandOutput): Promise<number> {
  const store = await openDirect(dataDir, false)
  const toStdout = invocation.file == null || invocation.file === '-'
  const out = toStdout ? process.stdout : createWriteStream(invocation.file!, { mode: 0o600 })
  let count = 0
  try {
    for (const entry of exportEntries(store)) {
      await writeLine(out, exportLine(entry))
      count++
    }
  } finally {
    await store.close()
    if (!toStdout) await new Promise<void>((resolve, reject) => { out.end((err?: Error | null) => { err == null ? resolve() : reject(err) }) })
  }
  output.note(`exported ${count} ${count === 1 ? 'entry' : 'entries'}${toStdout ? '' : ` to ${invocation.file}`}`)
  return ExitCode.ok
}

/** `import`: JSON lines from the file or stdin into the store. */
async function runImport (invocation: Invocation, dataDir: string, output: StoreCommandOutput): Promise<number> {
  const fromStdin = invocation.file == null || invocation.file === '-'
  const input = fromStdin ? process.stdin : createReadStream(invocation.file!)
  const opened = new Promise<void>((resolve, reject) => {
    if (fromStdin) resolve()
    else input.once('open', () => { resolve() }).once('error', reject)
  })
  try {
    await opened
  } catch (err: any) {
    throw new CliError(ExitCode.usage, `cannot read ${invocation.file}: ${err.message}`)
  }
  const store = await openDirect(dataDir, true)
  const source = invocation.file ?? 'stdin'
  async function * entries (): AsyncGenerator<ExportedEntry> {
    let number = 0
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      number++
      if (line.trim() === '') continue
      try {
        yield parseExportLine(line)
      } catch (err: any) {
        if (err instanceof InvalidArgumentError) throw new CliError(ExitCode.usage, `${source}:${number}: ${err.message} (expected a line written by roaring-mesh export)`)
        throw err
      }
    }
  }
  try {
    const count = await importEntries(store, entries())
    output.note(`imported ${count} ${count === 1 ? 'entry' : 'entries'} into ${dataFiles(dataDir).store}`)
  } finally {
    await store.close()
  }
  return ExitCode.ok
}

/** `migrate`: an outdated store into a new one at the same place, the old one renamed beside it. */
async function runMigrate (dataDir: string, output: StoreCommandOutput): Promise<number> {
  const { store } = dataFiles(dataDir)
  if (!existsSync(store)) throw new CliError(ExitCode.failure, `there is no store in ${dataDir} to migrate`)
  try {
    const report = await migrateStore(store)
    output.note(`migrated ${report.entries} ${report.entries === 1 ? 'key' : 'keys'} from store format ${report.format} (replica ${report.previousReplicaId}) into a new store (replica ${report.replicaId}); the old store is kept unchanged at ${report.oldLocation}`)
    return ExitCode.ok
  } catch (err: any) {
    if (err?.code === 'LEVEL_LOCKED' || err?.cause?.code === 'LEVEL_LOCKED') throw new CliError(ExitCode.locked, `${dataDir} is in use by a running peer: stop it first (migrate opens the store directly)`)
    if (err instanceof InvalidArgumentError || err instanceof CorruptStoreError) throw new CliError(ExitCode.failure, err.message, { cause: err })
    throw err
  }
}

/** Runs export, import or migrate against the data directory's store; resolves with the exit code. */
export async function runStoreCommand (invocation: Invocation, dataDir: string, output: StoreCommandOutput): Promise<number> {
  if (invocation.command === 'migrate') return await runMigrate(dataDir, output)
  return invocation.command === 'export' ? await runExport(invocation, dataDir, output) : await runImport(invocation, dataDir, output)
}
