import { readFileSync } from 'node:fs'

/** The installed version of a package, read from its package.json (reported with the results). */
export function packageVersion(packageName: string): string {
  const url = new URL(`../../node_modules/${packageName}/package.json`, import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
}
