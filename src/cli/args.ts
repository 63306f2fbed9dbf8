import { parseArgs } from 'node:util'
import { BYTE_ENCODINGS, isByteEncoding, type ByteEncoding } from './byte-encoding.ts'
import { CliError, ExitCode } from './cli-error.ts'
import { COMMANDS, MAIN_HELP, type CommandName } from './command-specs.ts'
import { checkConfig, type PeerConfig } from './config.ts'

/** A command line, checked: what to run and with what. */
export interface Invocation {
  command: CommandName
  /** The data directory given with --data, if any. */
  dataDir: string | undefined
  json: boolean
  keyEncoding: ByteEncoding
  valueEncoding: ByteEncoding
  /** The key (get, set, del) or prefix (list --prefix), as typed. */
  key: string | undefined
  /** The value of `set`, as typed; '-' reads it from stdin. */
  value: string | undefined
  /** `peer` settings given as flags (they override the config file). */
  peer: Partial<PeerConfig>
  /** `peer --salvage`: open a damaged store by keeping what checks out. */
  salvage: boolean
  /** The file `export` writes and `import` reads; undefined or '-' for stdout / stdin. */
  file: string | undefined
  /** `peer --join`: the invite to join a private mesh with. */
  join?: string
}

export type ParsedCommandLine = { kind: 'help', text: string } | { kind: 'run', invocation: Invocation }

function isCommand (name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name)
}

function encodingOption (value: unknown, flag: string): ByteEncoding {
  if (value === undefined) return 'utf8'
  if (typeof value !== 'string' || !isByteEncoding(value)) throw new CliError(ExitCode.usage, `--${flag} must be one of ${BYTE_ENCODINGS.join(', ')}, got ${JSON.stringify(value)}`)
  return value
}

function peerFlags (values: Record<string, unknown>): Partial<PeerConfig> {
  const flags: Record<string, unknown> = {}
  if (values.mesh !== undefined) flags.mesh = values.mesh
  if (values.listen !== undefined) flags.listen = values.listen
  if (values.bootstrap !== undefined) flags.bootstrap = values.bootstrap
  if (values.mdns !== undefined) flags.mdns = values.mdns
  if (values.open !== undefined) flags.open = values.open
  if (values['writer-keys'] !== undefined) flags.writerKeys = values['writer-keys']
  if (values['target-connections'] !== undefined) {
    const text = values['target-connections'] as string
    // Not a number: kept as given, so the error shows what was typed.
    flags.targetConnections = /^\d+$/.test(text) ? Number(text) : text
  }
  return checkConfig(flags, 'flags')
}

/** Reads a command line (without `node` and the script); throws a {@link CliError} for bad usage. */
export function parseCommandLine (argv: readonly string[]): ParsedCommandLine {
  const [name, ...rest] = argv
  if (name == null || name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0]
    return { kind: 'help', text: topic != null && isCommand(topic) ? COMMANDS[topic].help : MAIN_HELP }
  }
  if (!isCommand(name)) throw new CliError(ExitCode.usage, `unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; see roaring-mesh --help)`)
  const spec = COMMANDS[name]
  let parsed
  try {
    parsed = parseArgs({ args: [...rest], options: spec.options, allowPositionals: true, allowNegative: true, strict: true })
  } catch (err: any) {
    // Node's own message for an unknown option suggests `--` quoting with unbalanced quotes.
    const message = String(err.message)
    const option = /'(?:-\w, )?(--[\w-]+)[^']*'/.exec(message)?.[1]
    let why = message.split('\n')[0]
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') why = `unknown option ${/'([^']+)'/.exec(message)?.[1] ?? option}`
    // "--target-connections -1": Node takes -1 for an option, not for the value.
    else if (option != null && message.includes('argument is ambiguous')) why = `${option} needs a value; one that starts with "-" is written ${option}=<value>`
    else if (option != null && message.includes('argument missing')) why = `${option} needs a value`
    throw new CliError(ExitCode.usage, `${name}: ${why} (see roaring-mesh ${name} --help)`)
  }
  const values = parsed.values as Record<string, unknown>
  if (values.help === true) return { kind: 'help', text: spec.help }
  const positionals = parsed.positionals
  const required = spec.positionals.filter((p) => !p.endsWith('?')).length
  if (positionals.length < required || positionals.length > spec.positionals.length) {
    const usage = spec.help.split('\n')[0]
    throw new CliError(ExitCode.usage, `${name} takes ${spec.positionals.length === 0 ? 'no arguments' : spec.positionals.map((p) => p.endsWith('?') ? `[${p.slice(0, -1).toUpperCase()}]` : p.toUpperCase()).join(' ')}, got ${positionals.length} (${usage})`)
  }
  const prefix = values.prefix as string | undefined
  return {
    kind: 'run',
    invocation: {
      command: name,
      dataDir: values.data as string | undefined,
      json: values.json === true,
      keyEncoding: encodingOption(values['key-encoding'], 'key-encoding'),
      valueEncoding: encodingOption(values['value-encoding'], 'value-encoding'),
      key: spec.positionals[0] === 'key' ? positionals[0] : prefix,
      value: spec.positionals[1] === 'value' ? positionals[1] : undefined,
      peer: name === 'peer' ? peerFlags(values) : {},
      salvage: values.salvage === true,
      file: spec.positionals[0] === 'file?' ? positionals[0] : undefined,
      ...(values.join === undefined ? {} : { join: values.join as string })
    }
  }
}
