// Turns per-run figures into markdown: medians over repetitions, one table per
// workload and size, and ratio columns against the reference system.
import type { Figures } from './measure.ts'

export const REFERENCE = 'roaring-mesh'

type Format = 'ms' | 'rate' | 'bytes' | 'perItem' | 'times' | 'count'

interface Column {
  key: string
  header: string
  format: Format
  /** Headline figures get a ratio column against the reference. */
  better?: 'higher' | 'lower'
}

const columnsByWorkload: Record<string, Column[]> = {
  bulk: [
    { key: 'ms', header: 'time', format: 'ms' },
    { key: 'setsPerSec', header: 'sets/s', format: 'rate', better: 'higher' },
    { key: 'gcMs', header: 'of it GC pauses', format: 'ms' },
    { key: 'heapBytes', header: 'heap after GC', format: 'bytes', better: 'lower' },
    { key: 'bytesPerEntryOverRaw', header: 'B/entry over raw 144', format: 'perItem' },
  ],
  opsync: [
    { key: 'ms', header: 'time', format: 'ms' },
    { key: 'opsPerSec', header: 'ops/s end to end', format: 'rate', better: 'higher' },
    { key: 'gcMs', header: 'of it GC pauses', format: 'ms' },
    { key: 'bytesPerOp', header: 'B/op on the wire', format: 'perItem', better: 'lower' },
  ],
  fullsync: [
    { key: 'ms', header: 'time', format: 'ms', better: 'lower' },
    { key: 'gcMs', header: 'of it GC pauses', format: 'ms' },
    { key: 'wireBytes', header: 'bytes on the wire', format: 'bytes', better: 'lower' },
    { key: 'roundTrips', header: 'round trips', format: 'count' },
    { key: 'overPayload', header: 'wire / raw payload', format: 'times' },
  ],
  churn: [
    { key: 'churnMs', header: 'churn time', format: 'ms' },
    { key: 'heapBytes', header: 'heap after GC', format: 'bytes', better: 'lower' },
    { key: 'stateBytes', header: 'snapshot', format: 'bytes' },
    { key: 'requestBytes', header: 'sync request', format: 'bytes' },
    { key: 'agreeRound', header: 'round, replicas agree', format: 'bytes', better: 'lower' },
    { key: 'apart1kRound', header: 'round, 1k ops apart', format: 'bytes' },
    { key: 'newEntryRound', header: 'round after 1 new entry', format: 'bytes', better: 'lower' },
  ],
  concurrent: [
    { key: 'editMs', header: 'edit time', format: 'ms' },
    { key: 'syncMs', header: 'sync time', format: 'ms', better: 'lower' },
    { key: 'wireBytes', header: 'bytes both ways', format: 'bytes', better: 'lower' },
    { key: 'roundTrips', header: 'round trips', format: 'count' },
  ],
}

/** A table row: median figures, or a note such as a timeout or a skip. */
export type RowResult = { figures: Figures } | { note: string }

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Median of every numeric figure; the check fails if any repetition failed. */
export function medianFigures(runs: Figures[]): Figures {
  const result: Figures = {}
  for (const key of Object.keys(runs[0])) {
    const values = runs.map((run) => run[key])
    result[key] = values.every((value) => typeof value === 'number')
      ? median(values as number[])
      : (values.find((value) => value !== 'ok') ?? 'ok')
  }
  return result
}

function format(value: number, kind: Format): string {
  switch (kind) {
    case 'ms': return value < 1000 ? `${value.toFixed(value < 10 ? 1 : 0)} ms` : `${(value / 1000).toFixed(2)} s`
    case 'rate': return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : value >= 1e4 ? `${(value / 1e3).toFixed(value >= 1e5 ? 0 : 1)}k` : value.toFixed(0)
    case 'bytes': return value < 1e6 ? `${Math.round(value).toLocaleString('en-US')} B` : `${(value / 1e6).toFixed(2)} MB`
    case 'perItem': return `${value.toFixed(value < 10 ? 1 : 0)} B`
    case 'times': return `${value.toFixed(2)}x`
    case 'count': return String(value)
  }
}

/** >1 means the reference is better, whichever direction "better" is for the figure. */
function ratio(ours: number | string | undefined, theirs: number | string | undefined, better: 'higher' | 'lower'): string {
  if (typeof ours !== 'number' || typeof theirs !== 'number') return '–'
  const value = better === 'higher' ? ours / theirs : theirs / ours
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '∞'
}

export function renderTable(workload: string, rows: { system: string; result: RowResult }[]): string {
  const columns = columnsByWorkload[workload]
  const reference = rows.find((row) => row.system === REFERENCE)?.result
  const ours = reference && 'figures' in reference ? reference.figures : undefined
  const headers = ['system', ...columns.flatMap((c) => (c.better ? [c.header, `vs ${REFERENCE}`] : [c.header])), 'check']
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`]
  for (const { system, result } of rows) {
    const cells = 'note' in result
      ? [result.note, ...Array<string>(headers.length - 2).fill('')]
      : [
          ...columns.flatMap((column) => {
            const value = result.figures[column.key]
            const shown = typeof value === 'number' ? format(value, column.format) : 'n/a'
            if (!column.better) return [shown]
            return [shown, system === REFERENCE ? '1.00x' : ratio(ours?.[column.key], value, column.better)]
          }),
          String(result.figures.check),
        ]
    lines.push(`| ${[system, ...cells].join(' | ')} |`)
  }
  return lines.join('\n')
}
