// Turns per-run figures into markdown: cold figures (the first run in each fresh process) and
// warm figures (runs after warm-ups in the same process: median and range), one table per
// workload and size, ratio columns against the reference system, and a summary of the
// reference's ratios to Yjs, Loro and a plain Map.
import type { Figures } from './measure.ts'

export const REFERENCE = 'roaring-mesh'

type Format = 'ms' | 'rate' | 'bytes' | 'perItem' | 'times' | 'count'

interface Column {
  key: string
  header: string
  format: Format
  /** Headline figures get a ratio column against the reference. */
  better?: 'higher' | 'lower'
  /** A time: shown cold and warm (median and range), each with its ratio. */
  timed?: boolean
}

const columnsByWorkload: Record<string, Column[]> = {
  bulk: [
    { key: 'ms', header: 'time', format: 'ms', better: 'lower', timed: true },
    { key: 'gcMs', header: 'of it GC pauses (cold)', format: 'ms' },
    { key: 'heapBytes', header: 'heap after GC', format: 'bytes', better: 'lower' },
    { key: 'bytesPerEntryOverRaw', header: 'B/entry over raw 144', format: 'perItem' },
  ],
  opsync: [
    { key: 'ms', header: 'time', format: 'ms', better: 'lower', timed: true },
    { key: 'gcMs', header: 'of it GC pauses (cold)', format: 'ms' },
    { key: 'bytesPerOp', header: 'B/op on the wire', format: 'perItem', better: 'lower' },
  ],
  fullsync: [
    { key: 'ms', header: 'time', format: 'ms', better: 'lower', timed: true },
    { key: 'gcMs', header: 'of it GC pauses (cold)', format: 'ms' },
    { key: 'wireBytes', header: 'bytes on the wire', format: 'bytes', better: 'lower' },
    { key: 'roundTrips', header: 'round trips', format: 'count' },
    { key: 'overPayload', header: 'wire / raw payload', format: 'times' },
  ],
  churn: [
    { key: 'churnMs', header: 'churn time', format: 'ms', better: 'lower', timed: true },
    { key: 'heapBytes', header: 'heap after GC', format: 'bytes', better: 'lower' },
    { key: 'stateBytes', header: 'snapshot', format: 'bytes' },
    { key: 'requestBytes', header: 'sync request', format: 'bytes' },
    { key: 'agreeRound', header: 'round, replicas agree', format: 'bytes', better: 'lower' },
    { key: 'apart1kRound', header: 'round, 1k ops apart', format: 'bytes', better: 'lower' },
    { key: 'newEntryRound', header: 'round after 1 new entry', format: 'bytes', better: 'lower' },
  ],
  concurrent: [
    { key: 'editMs', header: 'edit time', format: 'ms', timed: true },
    { key: 'syncMs', header: 'sync time', format: 'ms', better: 'lower', timed: true },
    { key: 'wireBytes', header: 'bytes both ways', format: 'bytes', better: 'lower' },
    { key: 'roundTrips', header: 'round trips', format: 'count' },
  ],
}

/** The figure each workload's summary line compares. */
const HEADLINE: Record<string, { key: string, what: string }> = {
  bulk: { key: 'ms', what: 'bulk insert' },
  opsync: { key: 'ms', what: 'op sync' },
  fullsync: { key: 'ms', what: 'full sync' },
  churn: { key: 'churnMs', what: 'churn' },
  concurrent: { key: 'syncMs', what: 'concurrent edits, sync' },
}

/** What one system's runs gave: cold and warm figures, or a note such as a timeout. */
export type RowResult =
  | { cold: Figures, colds: number, warm?: { median: Figures, min: Figures, max: Figures, runs: number }, warmNote?: string }
  | { note: string }

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Median (or min, or max) of every numeric figure; the check fails if any run failed. */
export function combineFigures(runs: Figures[], pick: (values: number[]) => number = median): Figures {
  const result: Figures = {}
  for (const key of Object.keys(runs[0])) {
    const values = runs.map((run) => run[key])
    result[key] = values.every((value) => typeof value === 'number')
      ? pick(values as number[])
      : (values.find((value) => value !== 'ok') ?? 'ok')
  }
  return result
}

export const minOf = (values: number[]): number => Math.min(...values)
export const maxOf = (values: number[]): number => Math.max(...values)

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

/** A time with its range, both in the unit of the median: "55 ms (52–61)". */
function formatRange(median: number, min: number, max: number): string {
  const unit = median < 1000 ? 1 : 1000
  const digits = median < 10 ? 1 : unit === 1000 ? 2 : 0
  const shown = (value: number): string => (value / unit).toFixed(digits)
  return `${format(median, 'ms')} (${shown(min)}–${shown(max)})`
}

/** >1 means `ours` is better, whichever direction "better" is for the figure. */
function ratio(ours: number | string | undefined, theirs: number | string | undefined, better: 'higher' | 'lower'): string {
  if (typeof ours !== 'number' || typeof theirs !== 'number') return '–'
  const value = better === 'higher' ? ours / theirs : theirs / ours
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '∞'
}

export function renderTable(workload: string, rows: { system: string; result: RowResult }[]): string {
  const columns = columnsByWorkload[workload]
  const reference = rows.find((row) => row.system === REFERENCE)?.result
  const ours = reference && 'cold' in reference ? reference : undefined
  const headers = ['system', ...columns.flatMap((c) => {
    const vs = `vs ${REFERENCE}`
    if (c.timed) return c.better ? [`${c.header}, cold`, vs, `${c.header}, warm (range)`, vs] : [`${c.header}, cold`, `${c.header}, warm (range)`]
    return c.better ? [c.header, vs] : [c.header]
  }), 'check']
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`]
  for (const { system, result } of rows) {
    if ('note' in result) {
      lines.push(`| ${[system, result.note, ...Array<string>(headers.length - 2).fill('')].join(' | ')} |`)
      continue
    }
    const cells = columns.flatMap((column) => {
      const value = result.cold[column.key]
      const shown = typeof value === 'number' ? format(value, column.format) : 'n/a'
      const vs = (mine: Figures | undefined, theirs: Figures | undefined): string =>
        system === REFERENCE ? '1.00x' : ratio(mine?.[column.key], theirs?.[column.key], column.better!)
      const cold = column.better ? [shown, vs(ours?.cold, result.cold)] : [shown]
      if (!column.timed) return cold
      const warm = result.warm
      const warmValue = warm?.median[column.key]
      const warmShown = warm != null && typeof warmValue === 'number'
        ? formatRange(warmValue, warm.min[column.key] as number, warm.max[column.key] as number) + (warm.runs < 5 ? ` [${warm.runs} runs]` : '')
        : (result.warmNote ?? 'n/a')
      return column.better ? [...cold, warmShown, vs(ours?.warm?.median, warm?.median)] : [...cold, warmShown]
    })
    lines.push(`| ${[system, ...cells, String(result.cold.check)].join(' | ')} |`)
  }
  return lines.join('\n')
}

/**
 * One line per table: the reference's headline time, cold and warm, and how many times faster
 * it is than Yjs, Loro and a plain Map (<1: slower).
 */
export function renderSummary(tables: Array<{ workload: string, size: number, rows: { system: string; result: RowResult }[] }>): string {
  const others = ['yjs', 'loro', 'map']
  const headers = ['workload', 'size', `${REFERENCE} cold`, `${REFERENCE} warm`, ...others.flatMap((o) => [`${o} ÷ us, cold`, `${o} ÷ us, warm`])]
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`]
  for (const { workload, size, rows } of tables) {
    const { key, what } = HEADLINE[workload]
    const find = (system: string): RowResult | undefined => rows.find((row) => row.system === system)?.result
    const ours = find(REFERENCE)
    if (ours == null || !('cold' in ours)) continue
    const coldOf = (r: RowResult | undefined): number | undefined => r != null && 'cold' in r && typeof r.cold[key] === 'number' ? r.cold[key] as number : undefined
    const warmOf = (r: RowResult | undefined): number | undefined => r != null && 'cold' in r && typeof r.warm?.median[key] === 'number' ? r.warm.median[key] as number : undefined
    const times = (mine: number | undefined, theirs: number | undefined): string =>
      mine != null && theirs != null ? `${(theirs / mine).toFixed(2)}x` : '–'
    const ourCold = coldOf(ours)
    const ourWarm = warmOf(ours)
    lines.push(`| ${[
      what,
      size.toLocaleString('en-US'),
      ourCold != null ? format(ourCold, 'ms') : '–',
      ourWarm != null ? format(ourWarm, 'ms') : '–',
      ...others.flatMap((other) => [times(ourCold, coldOf(find(other))), times(ourWarm, warmOf(find(other)))]),
    ].join(' | ')} |`)
  }
  return lines.join('\n')
}
