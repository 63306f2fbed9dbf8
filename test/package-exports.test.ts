import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { bitmapBackendName } from '../src/index.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Imports the built package by its own name, as a user would, and prints the backend it loaded. */
function backendOf (specifier: string, conditions: string[] = []): string {
  const code = `const m = await import(${JSON.stringify(specifier)}); const s = new m.MemStore(); s.set(Uint8Array.of(1), Uint8Array.of(2)); console.log(m.bitmapBackendName(), s.size)`
  return execFileSync(process.execPath, [...conditions.map((c) => `--conditions=${c}`), '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 90_000 }).trim()
}

describe('package entry points', () => {
  it('loads the native CRoaring backend on Node.js (no silent fallback to WASM)', () => {
    assert.equal(bitmapBackendName(), 'native')
    assert.equal(backendOf('roaring-mesh'), 'native 1')
  })

  it('loads roaring-wasm under the browser condition', () => {
    assert.equal(backendOf('roaring-mesh', ['browser']), 'wasm 1')
  })

  it('offers the WASM backend on Node.js as roaring-mesh/wasm', () => {
    assert.equal(backendOf('roaring-mesh/wasm'), 'wasm 1')
  })
})
