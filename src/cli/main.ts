/**
 * The `roaring-mesh` command. Run it from the package's bin (bin.js, which loads the compiled
 * dist/cli/main.js), or from source: node --experimental-transform-types src/cli/main.ts <command>.
 */
import { run } from './cli.ts'

const argv = process.argv.slice(2)
const code = await run(argv)
process.exitCode = code
// A stopped peer has closed its store and node, but libp2p leaves timers behind (gossipsub's
// heartbeat, an address debounce) that would keep the process, and its name in `ps`, for
// another second: a stop must be over within 2 s of the signal, so the peer exits now.
if (argv[0] === 'peer') process.exit(code)
