import type { AbortOptions, Connection, Libp2p, Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface DialWithRetryOptions extends AbortOptions {
  /** Each attempt is abandoned after this many ms. */
  timeout: number
  log: Logger
  /** Called when an attempt failed and another one starts. */
  onRetry?: (error: Error) => void
}

/** Attempts in all: the first and two retries. */
const ATTEMPTS = 3
/** A pause before a retry, so the failed attempt's connection is torn down first. */
const RETRY_PAUSE_MS = 250

/**
 * Dials, and retries a failed dial twice. A WebRTC dial signalled through a relay sometimes
 * never completes (about 1 in 10 on this project's test machine, more under load) while a
 * new attempt connects in a few hundred ms; bounded attempts turn that into a short delay.
 */
export async function dialWithRetry (node: Libp2p, address: Multiaddr, options: DialWithRetryOptions): Promise<Connection> {
  for (let attempt = 1; ; attempt++) {
    const timeout = AbortSignal.timeout(options.timeout)
    try {
      return await node.dial(address, { signal: options.signal == null ? timeout : AbortSignal.any([options.signal, timeout]) })
    } catch (err: any) {
      options.signal?.throwIfAborted()
      if (attempt >= ATTEMPTS) throw err
      options.log('dial %d of %a failed, retrying - %e', attempt, address, err)
      options.onRetry?.(err)
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS))
    }
  }
}
