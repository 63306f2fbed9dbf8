import { formatBytes, parseBytes } from './byte-encoding.ts'
import { CliError, ExitCode } from './cli-error.ts'
import { ControlClient } from './control-client.ts'
import { fromBase64, toBase64, type Response } from './control-protocol.ts'
import { dataFiles } from './data-dir.ts'
import { changeLine, entryLine, jsonBytes, statusText } from './output-format.ts'
import type { Invocation } from './args.ts'

export interface ClientOutput {
  out: (text: string) => void
  /** Raw bytes to stdout (a value printed by `get`). */
  raw: (bytes: Uint8Array) => void
  /** Resolves with the whole of stdin (`set KEY -`). */
  stdin: () => Promise<Uint8Array>
}

/** Turns a failure response into the error a shell user sees. */
function check (response: Response): Extract<Response, { ok: true }> {
  if (response.ok) return response
  const code = response.error.code === 'failure' ? ExitCode.failure : ExitCode.usage
  throw new CliError(code, response.error.message)
}

/** Runs get/set/del/list/watch/status against the peer running on `dataDir`; resolves with the exit code. */
export async function runClientCommand (invocation: Invocation, dataDir: string, output: ClientOutput): Promise<number> {
  const { command, json, keyEncoding, valueEncoding } = invocation
  const key = invocation.key == null ? undefined : parseBytes(invocation.key, keyEncoding, command === 'list' ? 'prefix' : 'key')
  const value = invocation.value == null
    ? undefined
    : invocation.value === '-' ? await output.stdin() : parseBytes(invocation.value, valueEncoding, 'value')
  const client = await ControlClient.connect(dataFiles(dataDir).socket, dataDir)
  try {
    switch (command) {
      case 'get': {
        const found = check(await client.request({ op: 'get', key: toBase64(key!) })).value
        const bytes = found == null ? undefined : fromBase64(found)
        if (json) output.out(JSON.stringify({ key: jsonBytes(key!, keyEncoding), value: bytes == null ? null : jsonBytes(bytes, valueEncoding) }))
        else if (bytes == null) throw new CliError(ExitCode.notFound, `no value at key ${JSON.stringify(invocation.key)}`)
        else if (valueEncoding === 'utf8') output.raw(bytes)
        else output.out(formatBytes(bytes, valueEncoding)!)
        return bytes == null ? ExitCode.notFound : ExitCode.ok
      }
      case 'set':
        check(await client.request({ op: 'set', key: toBase64(key!), value: toBase64(value!) }))
        if (json) output.out(JSON.stringify({ ok: true }))
        return ExitCode.ok
      case 'del': {
        const { deleted } = check(await client.request({ op: 'del', key: toBase64(key!) }))
        if (json) output.out(JSON.stringify({ deleted }))
        return ExitCode.ok
      }
      case 'list': {
        const { entries } = check(await client.request({ op: 'list', prefix: key == null ? undefined : toBase64(key) }))
        for (const [k, v] of entries ?? []) output.out(entryLine(fromBase64(k), fromBase64(v), invocation, json))
        return ExitCode.ok
      }
      case 'status': {
        const { status } = check(await client.request({ op: 'status' }))
        output.out(json ? JSON.stringify(status) : statusText(status!, Date.now()))
        return ExitCode.ok
      }
      case 'watch': {
        check(await client.watch((change) => {
          output.out(changeLine(change.origin, fromBase64(change.key), change.value == null ? undefined : fromBase64(change.value), invocation, json))
        }))
        const stop = (): void => { client.close() }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
        await client.closed()
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        return ExitCode.ok
      }
      default:
        throw new CliError(ExitCode.usage, `${command} is not a client command`)
    }
  } finally {
    client.close()
  }
}
