// `npx roaring-mesh peer` from a checkout runs node under npm (the checkout's .npmrc names bash as
// npm's script shell, and bash execs a lone command where dash would wait on it as its child and
// keep a SIGINT from it). A SIGTERM or SIGINT to the npx process must stop them all: every process
// gone and its port free within the 2 s the issue asks (polled; 1 s of margin for a loaded machine).
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { killAll, processTree, spawnWithLines, waitGone } from './process-tree.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('npx roaring-mesh peer', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops, every process of it, with its port free, when ${signal} goes to npx`, async (t) => {
      const data = await mkdtemp(join(tmpdir(), 'rm-npx-'))
      const { proc, waitFor } = spawnWithLines('npx', ['roaring-mesh', 'peer', '--data', join(data, 'peer'), '--open', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], {
        cwd: root,
        env: { ...process.env, npm_config_yes: 'true', npm_config_update_notifier: 'false' }
      })
      let tree: number[] = []
      try {
        const [, port] = await waitFor(/^listening \/ip4\/127\.0\.0\.1\/tcp\/(\d+)\//, 60_000)
        await waitFor(/^status: /, 10_000)
        tree = processTree(proc.pid!)
        assert.ok(tree.length >= 2, `npx runs the peer in a child process: ${JSON.stringify(tree)}`)
        proc.kill(signal)
        const ms = await waitGone(tree, [Number(port)], 3000)
        t.diagnostic(`npx and node gone and the port free ${Math.round(ms)} ms after ${signal} to npx`)
      } finally {
        killAll(tree.length > 0 ? tree : processTree(proc.pid!))
        await rm(data, { recursive: true, force: true })
      }
    })
  }
})
