import { resolve } from 'node:path'
import { parseCommandLine } from './args.ts'
import { CliError, ExitCode } from './cli-error.ts'
import { defaultDataDir } from './data-dir.ts'

async function readStdin (): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Uint8Array.from(Buffer.concat(chunks))
}

/**
 * Runs one `roaring-mesh` command line (without `node` and the script) and resolves with its exit
 * code; errors a shell user can act on are printed as one line on stderr.
 */
export async function run (argv: readonly string[]): Promise<number> {
  try {
    const parsed = parseCommandLine(argv)
    if (parsed.kind === 'help') {
      process.stdout.write(parsed.text + '\n')
      return ExitCode.ok
    }
    const { invocation } = parsed
    const dataDir = resolve(invocation.dataDir ?? defaultDataDir())
    // Loaded on demand: a get or set must not pay for loading libp2p and the store.
    if (invocation.command === 'peer') {
      const { runPeer } = await import('./peer-daemon.ts')
      return await runPeer(invocation, dataDir, {
        out: (line) => { process.stdout.write(line + '\n') },
        err: (line) => { process.stderr.write(line + '\n') },
        isTTY: process.stdout.isTTY === true
      })
    }
    if (invocation.command === 'export' || invocation.command === 'import' || invocation.command === 'migrate') {
      const { runStoreCommand } = await import('./store-commands.ts')
      return await runStoreCommand(invocation, dataDir, { note: (line) => { process.stderr.write(`roaring-mesh: ${line}\n`) } })
    }
    if (invocation.command === 'invite') {
      const { runInvite } = await import('./invite-command.ts')
      return await runInvite(dataDir, (line) => { process.stdout.write(line + '\n') })
    }
    const { runClientCommand } = await import('./client-commands.ts')
    return await runClientCommand(invocation, dataDir, {
      out: (text) => { process.stdout.write(text + '\n') },
      raw: (bytes) => { process.stdout.write(bytes) },
      stdin: readStdin
    })
  } catch (err: any) {
    if (err instanceof CliError) {
      process.stderr.write(`roaring-mesh: ${err.message}\n`)
      return err.exitCode
    }
    process.stderr.write(`roaring-mesh: unexpected failure: ${err?.stack ?? String(err)}\n`)
    return ExitCode.failure
  }
}
