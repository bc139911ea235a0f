/**
 * Text rendering of table cells and grids for `preview`, `stats` and `schema`. Cells come from
 * files anyone may commit: control characters and terminal escapes are shown escaped, never sent.
 */
import {printable} from '../core/errors.js'
import type {Cell} from '../core/tables/types.js'

const MAX_CELL = 40

export function cellText(c: Cell): string {
  if (c === null) return ''
  if (typeof c === 'string') return printable(c, 10_000)
  if (typeof c === 'number') return Number.isInteger(c) ? String(c) : String(Number(c.toPrecision(12)))
  return printable(JSON.stringify(c), 10_000)
}

function clip(s: string, width: number): string {
  return s.length > width ? s.slice(0, width - 1) + '…' : s
}

/** Left-aligned columns (numbers right-aligned) separated by two spaces; wide cells clipped. */
export function grid(header: string[], rows: string[][], numeric: boolean[] = []): string[] {
  const cells = [header, ...rows].map((r) => r.map((c) => clip(c, MAX_CELL)))
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]): string =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)]
}

export function count(n: number): string {
  return n.toLocaleString('en-US')
}

/** `1 row`, `2 rows`, `1,000 files`. */
export function counted(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? '' : 's'}`
}
