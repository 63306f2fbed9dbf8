import { format } from 'node:util'
import { defaultLogger } from '@libp2p/logger'
import type { ComponentLogger, Logger } from '@libp2p/interface'

/** A node's log, kept so a test can assert that something was logged; components other than ours log as usual. */
export interface CapturedLog {
  logger: ComponentLogger
  /** `component: message` lines logged at error level by roaring-mesh components. */
  errors: string[]
}

function recorder (component: string, errors: string[], fallback: Logger): Logger {
  const log = ((formatter: any, ...args: any[]) => { fallback(formatter, ...args) }) as Logger
  log.error = (formatter: any, ...args: any[]) => {
    // libp2p's %p/%a/%e formatters are not node's: render them as plain strings.
    errors.push(`${component}: ${format(String(formatter).replace(/%[pae]/g, '%s'), ...args)}`)
    fallback.error(formatter, ...args)
  }
  log.trace = (formatter: any, ...args: any[]) => { fallback.trace(formatter, ...args) }
  log.enabled = true
  log.newScope = (name: string) => recorder(`${component}:${name}`, errors, fallback.newScope(name))
  return log
}

export function captureLog (): CapturedLog {
  const errors: string[] = []
  const base = defaultLogger()
  return {
    errors,
    logger: {
      forComponent: (name: string) => name.startsWith('roaring-mesh') ? recorder(name, errors, base.forComponent(name)) : base.forComponent(name)
    }
  }
}
