import { stat } from 'node:fs/promises'
import { CliError, ExitCode } from './cli-error.ts'

/**
 * Refuses to run on files other users of the machine can read or write: the data directory (the
 * store), the key files (the peer's identity, the mesh key) and the control socket (which drives
 * the peer). Says which one and how to fix it; a file that does not exist yet is made owner-only.
 */
export async function checkPrivateFiles (paths: { dirs: string[], files: string[] }): Promise<void> {
  const entries = [...paths.dirs.map((path) => ({ path, fix: '700' })), ...paths.files.map((path) => ({ path, fix: '600' }))]
  for (const { path, fix } of entries) {
    let mode: number
    try {
      mode = (await stat(path)).mode
    } catch (err: any) {
      if (err.code === 'ENOENT') continue
      throw new CliError(ExitCode.failure, `cannot check ${path}: ${err.message}`)
    }
    if ((mode & 0o077) !== 0) {
      const who = (mode & 0o022) !== 0 ? 'writable' : 'readable'
      throw new CliError(ExitCode.unsafePermissions, `${path} is ${who} by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}): run "chmod ${fix} ${path}" and start again`)
    }
  }
}
