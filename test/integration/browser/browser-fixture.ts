import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { bundlePage } from '../../../examples/browser-mesh/page-server.ts'

// What the browser tests share besides processes and pages: Chromium itself, where a run's
// artifacts go, the bundles the pages load, and waiting with a deadline.

export const CHROMIUM = '/usr/bin/chromium'
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
/** Screenshots and numbers of the last run (git-ignored). */
export const artifactsDir = join(repoRoot, 'test-artifacts', 'browser-mesh')

/** Installs Debian's Chromium when it is missing: CI starts from a fresh machine (as root). */
export function ensureChromium (): void {
  if (existsSync(CHROMIUM)) return
  const install = (): void => { execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }) }
  try {
    install()
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 })
    install()
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is missing`)
}

export async function resetArtifacts (): Promise<void> {
  await rm(artifactsDir, { recursive: true, force: true })
  await mkdir(artifactsDir, { recursive: true })
}

export function artifact (name: string): string {
  return join(artifactsDir, name)
}

/** Bundles the page once for a test file (what `start.ts` does at every start). */
export async function writeBundle (dir: string): Promise<string> {
  const bundle = await bundlePage()
  const out = join(dir, 'bundle')
  await mkdir(out, { recursive: true })
  await writeFile(join(out, 'main.js'), bundle.js)
  await writeFile(join(out, 'main.js.map'), bundle.map)
  return out
}

/** The first ```ts block of the README's "## Browser apps" section: the app it shows, as written. */
export async function readmeApp (): Promise<string> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n## Browser apps\n'))
  const block = /```ts\n([\s\S]*?)\n```/.exec(section)
  if (!readme.includes('\n## Browser apps\n') || block == null) throw new Error('README.md has no "## Browser apps" section with a ts code block')
  return block[1]
}

/**
 * Bundles the README's browser app as an app of its own would: `roaring-mesh` resolved to the
 * package's browser entry, and a bare HTML page that loads it.
 */
export async function writeReadmeAppBundle (dir: string): Promise<string> {
  const out = join(dir, 'readme-app')
  await mkdir(out, { recursive: true })
  await writeFile(join(out, 'app.ts'), await readmeApp())
  await build({
    entryPoints: [join(out, 'app.ts')],
    outfile: join(out, 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome120'],
    sourcemap: 'linked',
    alias: { 'roaring-mesh': join(repoRoot, 'src', 'browser.ts') },
    logLevel: 'silent'
  })
  await writeFile(join(out, 'index.html'), '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>notes</title><script type="module" src="main.js"></script></head><body></body></html>\n')
  return out
}

export async function waitUntil (condition: () => Promise<boolean>, what: string, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
