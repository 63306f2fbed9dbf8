import type { AbortOptions, Connection, Libp2p, Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface DialWithRetryOptions extends AbortOptions {
  /** Each attempt is abandoned after this many ms. */
  timeout: number
  log: Logger
  /** Called when the first attempt failed and a second one starts. */
  onRetry?: (error: Error) => void
}

/**
 * Dials, and dials once more if that fails. A WebRTC dial signalled through a relay sometimes
 * never completes (about 1 in 10 on this project's test machine) while a second attempt
 * connects in a few hundred ms; a bounded attempt and one retry turn that into a short delay.
 */
export async function dialWithRetry (node: Libp2p, address: Multiaddr, options: DialWithRetryOptions): Promise<Connection> {
  const attempt = async (): Promise<Connection> => {
    const timeout = AbortSignal.timeout(options.timeout)
    return await node.dial(address, { signal: options.signal == null ? timeout : AbortSignal.any([options.signal, timeout]) })
  }
  try {
    return await attempt()
  } catch (err: any) {
    options.signal?.throwIfAborted()
    options.log('dialing %a failed, retrying once - %e', address, err)
    options.onRetry?.(err)
    return await attempt()
  }
}
