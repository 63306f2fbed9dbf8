/**
 * The exit codes of every `roaring-mesh` command, so scripts can tell what went wrong.
 * 1 is kept for "the key is not there", as `grep` and `git config --get` use it.
 */
export const ExitCode = {
  ok: 0,
  /** `get` of a key that has no value. */
  notFound: 1,
  /** Bad flags, arguments, key or value encoding, or config file. */
  usage: 2,
  /** No peer is running on the data directory (or its socket cannot be used). */
  notRunning: 3,
  /** The data directory is in use by another running peer. */
  locked: 4,
  /** Anything else: the store, the network, a broken connection to the peer. */
  failure: 5,
  /** The data directory, a key file or the control socket is open to other users of the machine. */
  unsafePermissions: 7
} as const

export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode]

/** A failure to report to the shell user as one line on stderr, with the exit code that says what kind it is. */
export class CliError extends Error {
  static override readonly name = 'CliError'
  override readonly name = 'CliError'
  readonly exitCode: ExitCodeValue

  constructor (exitCode: ExitCodeValue, message: string, options?: ErrorOptions) {
    super(message, options)
    this.exitCode = exitCode
  }
}
