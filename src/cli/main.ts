/**
 * The `roaring-mesh` command. Run it from the package's bin (bin.js, which loads the compiled
 * dist/cli/main.js), or from source: node --experimental-transform-types src/cli/main.ts <command>.
 */
import { run } from './cli.ts'

process.exitCode = await run(process.argv.slice(2))
