import { readFile, rename, writeFile } from 'node:fs/promises'
import { CliError, ExitCode } from './cli-error.ts'

const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/

/** The mesh key kept at `path` (base64url, one line), or undefined when there is none. */
export async function readMeshKey (path: string): Promise<string | undefined> {
  let text: string
  try {
    text = (await readFile(path, 'utf8')).trim()
  } catch (err: any) {
    if (err.code === 'ENOENT') return undefined
    throw new CliError(ExitCode.failure, `cannot read the mesh key ${path}: ${err.message}`)
  }
  if (!KEY_PATTERN.test(text)) throw new CliError(ExitCode.failure, `${path} is not a mesh key (43 base64url characters); move it away to make a new mesh`)
  return text
}

/** Writes `key` to `path`, owner-only, whole or not at all: a crash here must not leave half a key behind. */
export async function writeMeshKey (path: string, key: string): Promise<void> {
  const partial = `${path}.${process.pid}.tmp`
  await writeFile(partial, `${key}\n`, { mode: 0o600 })
  await rename(partial, path)
}
