#!/usr/bin/env node
// The package's `roaring-mesh` bin: it runs the compiled CLI, dist/cli/main.js, which sits beside
// src/ both in a checkout (after `npm run build`) and in an installed package.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
if (!existsSync(main)) {
  process.stderr.write(`roaring-mesh: the CLI is not built (no ${main}); run \`npm run build\` in ${fileURLToPath(new URL('../..', import.meta.url))}\n`)
  process.exit(5)
}
await import(pathToFileURL(main).href)
