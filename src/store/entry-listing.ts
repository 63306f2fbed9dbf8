import { bytesToKeyString } from './key-string.ts'
import { NO_ROW, type Row } from './entry-rows.ts'
import type { ChainTable } from './chain-table.ts'
import type { Codec } from './codecs.ts'
import type { Sibling } from './types.ts'

// The store's reads that decode more than one row: a whole listing, or every sibling at a key.
// Keys and values are decoded from copies or fresh codec output, never left as views of the arena.

/** Every key with its winning value, in key byte order: two converged stores return equal arrays. */
export function entriesInKeyOrder<K, V> (chains: ChainTable, keys: Codec<K>, values: Codec<V>): Array<[K, V]> {
  const rows = chains.rows
  const sorted = [...chains.heads()].map((head): [string, Row] => [bytesToKeyString(rows.key(head)), head])
  sorted.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  // Keys are copies: the key's bytes in the arena are the store's.
  return sorted.map(([, head]) => [keys.decode(rows.key(head).slice()), values.decode(rows.value(rows.winner(head)))])
}

/** All live values at an encoded key, winner first: more than one after concurrent sets. */
export function siblingsAt<V> (chains: ChainTable, key: Uint8Array, values: Codec<V>): Array<Sibling<V>> {
  const rows = chains.rows
  const siblings: Row[] = []
  for (let row = chains.chain(key); row !== NO_ROW; row = rows.next(row)) siblings.push(row)
  return siblings.sort((a, b) => rows.compare(b, a)).map((row) => ({
    value: values.decode(rows.value(row)),
    dot: { replica: rows.writer(row).id, seq: rows.seq(row) },
    hlc: rows.hlc(row)
  }))
}
