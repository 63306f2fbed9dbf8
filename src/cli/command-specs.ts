// Each command's options, positional arguments and help text: the table the parser reads.
import type { ParseArgsConfig } from 'node:util'
import { BYTE_ENCODINGS } from './byte-encoding.ts'

export type CommandName = 'peer' | 'get' | 'set' | 'del' | 'list' | 'watch' | 'status' | 'export' | 'import' | 'migrate' | 'invite'

type Options = NonNullable<ParseArgsConfig['options']>

const COMMON: Options = {
  data: { type: 'string', short: 'd' },
  help: { type: 'boolean', short: 'h' }
}
const CLIENT: Options = {
  ...COMMON,
  json: { type: 'boolean' },
  'key-encoding': { type: 'string' },
  'value-encoding': { type: 'string' }
}

const DATA_HELP = `  -d, --data DIR         the peer's data directory (default: $ROARING_MESH_DATA,
                         else $XDG_DATA_HOME/roaring-mesh, else ~/.local/share/roaring-mesh)`
const CLIENT_HELP = `${DATA_HELP}
      --json             print JSON (one object per line) for scripts
      --key-encoding E   how keys are written and printed: ${BYTE_ENCODINGS.join(', ')} (default utf8)
      --value-encoding E how values are written and printed: ${BYTE_ENCODINGS.join(', ')} (default utf8)
  -h, --help             show this help`

interface CommandSpec {
  options: Options
  /** Names of the positional arguments, in order; a trailing '?' makes one optional. */
  positionals: string[]
  help: string
}

export const COMMANDS: Record<CommandName, CommandSpec> = {
  peer: {
    options: {
      ...COMMON,
      mesh: { type: 'string', short: 'm' },
      listen: { type: 'string', multiple: true },
      bootstrap: { type: 'string', multiple: true, short: 'b' },
      mdns: { type: 'boolean' },
      'target-connections': { type: 'string' },
      salvage: { type: 'boolean' },
      join: { type: 'string', short: 'j' },
      open: { type: 'boolean' },
      'writer-keys': { type: 'boolean' }
    },
    positionals: [],
    help: `usage: roaring-mesh peer [options]

Runs this device's peer: keeps the store in the data directory, finds the other peers of the
mesh on the local network (mDNS) and through --bootstrap addresses, syncs with them, and
serves get/set/del/list/watch/status on a control socket only this user can open.
Stop it with Ctrl-C (SIGINT) or SIGTERM: everything written is on disk when it exits.

The mesh is private: on its first start the peer makes a mesh key (<data>/mesh.key, owner
only) and syncs only with peers that prove they hold it. "roaring-mesh invite" prints a line
that another device joins with: roaring-mesh peer --join INVITE. The peer refuses to start when
its data directory, key files or socket can be read or written by other users.

${DATA_HELP}
  -m, --mesh NAME        the mesh (shared store) to join (default: "default")
      --listen ADDR      a multiaddr to listen on; repeat for more (default: TCP and
                         WebSockets on every IPv4 interface, ports chosen by the system)
  -b, --bootstrap ADDR   a peer to connect to, as /ip4/…/tcp/…/p2p/<peer id>; repeatable
      --no-mdns          do not look for peers on the local network
      --target-connections N
                         keep dialing discovered peers while fewer are connected (default 8)
      --salvage          if the store is damaged, keep every entry that checks out: the
                         damaged files are moved aside (never deleted), the store continues
                         under a new replica id, and the other peers fill in the rest
  -j, --join INVITE      join the private mesh of an invite (its name, key and a peer's
                         addresses); only on a data directory with no other mesh key
      --open             run an open mesh, with no key: anyone who can reach this peer
                         reads and writes the store
      --no-writer-keys   do not bind writers to keys: nothing is signed (faster, smaller
                         ops), and any member can write as another or suppress others'
                         writes; only for a mesh whose members all trust each other. The
                         store remembers it (give the flag on every start, or set
                         writerKeys: false in config.json); such peers sync only with each other
  -h, --help             show this help

Settings come from <data>/config.json (keys: mesh, listen, bootstrap, mdns,
targetConnections, maxBackoffMs, mdnsIntervalMs, open, writerKeys); flags override it.`
  },
  get: {
    options: CLIENT,
    positionals: ['key'],
    help: `usage: roaring-mesh get KEY [options]

Prints the value at KEY. Exits with 1 when the key has no value.

${CLIENT_HELP}`
  },
  set: {
    options: CLIENT,
    positionals: ['key', 'value'],
    help: `usage: roaring-mesh set KEY VALUE [options]

Sets KEY to VALUE (VALUE "-" reads it from stdin) and returns once it is on disk; the peer
sends it to the others.

${CLIENT_HELP}`
  },
  del: {
    options: CLIENT,
    positionals: ['key'],
    help: `usage: roaring-mesh del KEY [options]

Deletes KEY (a value set elsewhere that this peer has not seen yet survives the delete).

${CLIENT_HELP}`
  },
  list: {
    options: { ...CLIENT, prefix: { type: 'string', short: 'p' } },
    positionals: [],
    help: `usage: roaring-mesh list [options]

Prints every key and value, one "KEY<TAB>VALUE" per line in key byte order (tab, newline,
carriage return, backslash and other control characters are escaped as \\t \\n \\r \\\\ \\xNN).

  -p, --prefix P         only keys that start with P (in the key encoding)
${CLIENT_HELP}`
  },
  watch: {
    options: CLIENT,
    positionals: [],
    help: `usage: roaring-mesh watch [options]

Prints each change as it happens, local or from other peers, until interrupted:
"set<TAB>KEY<TAB>VALUE" or "del<TAB>KEY" (escaped as in list).

${CLIENT_HELP}`
  },
  migrate: {
    options: COMMON,
    positionals: [],
    help: `usage: roaring-mesh migrate [options]

Carries a store written before writers were bound to keys (store format 1 or 2, which the peer
refuses) into a new store of this version: each key's winning value is written again as this
device's own, under a new replica id and writer key. The old store is renamed beside the new
one (<data>/store.pre-v3-<time>) and never changed. It reads the store directly: stop the peer first.

${DATA_HELP}
  -h, --help             show this help`
  },
  export: {
    options: COMMON,
    positionals: ['file?'],
    help: `usage: roaring-mesh export [FILE] [options]

Writes every entry of the store to FILE (or stdout, also for "-") as JSON lines:
{"key":…,"value":…,"replica":…,"seq":…,"hlc":{"wall":…,"counter":…}}, with keys and values as
strings when they are UTF-8, else {"base64": "…"}; concurrent values at a key each have a line.
It reads the store directly: stop the peer first.

${DATA_HELP}
  -h, --help             show this help`
  },
  import: {
    options: COMMON,
    positionals: ['file?'],
    help: `usage: roaring-mesh import [FILE] [options]

Reads JSON lines written by export from FILE (or stdin, also for "-") into the store, creating it
if needed. Entries keep their writer, seq and clock, so importing into a peer of the same mesh adds
no copies: entries already there are skipped. It writes the store directly: stop the peer first.

${DATA_HELP}
  -h, --help             show this help`
  },
  invite: {
    options: COMMON,
    positionals: [],
    help: `usage: roaring-mesh invite [options]

Prints a one-line invite to the running peer's private mesh: its name, its key and the peer's
addresses. On another device, "roaring-mesh peer --join INVITE" joins with it. The invite holds
the mesh key: whoever has it is a member. Send it only to your own devices.

${DATA_HELP}
  -h, --help             show this help`
  },
  status: {
    options: { ...COMMON, json: { type: 'boolean' } },
    positionals: [],
    help: `usage: roaring-mesh status [options]

Prints the running peer's id, addresses, connected peers, entries and last sync.

${DATA_HELP}
      --json             print JSON
  -h, --help             show this help`
  }
}

export const MAIN_HELP = `usage: roaring-mesh <command> [options]

A peer-to-peer replicated key-value store for your devices on a local network.

commands:
  peer      run this device's peer (keeps running; stop with Ctrl-C)
  get KEY   print a value            set KEY VALUE   set a value
  del KEY   delete a key             list            print every key and value
  watch     print changes as they happen
  status    the running peer's addresses, peers and sync state
  export [FILE]   every entry as JSON lines    import [FILE]   read them back
  migrate   carry a store written before writer keys into a new one (the old one is kept)
  invite    a line another device joins this peer's private mesh with

"roaring-mesh <command> --help" describes a command. Exit codes: 0 ok, 1 key not found,
2 bad usage, 3 no peer running, 4 data directory in use, 5 other failure,
7 data directory, key or socket open to other users.`
