/**
 * Text output of `bl diff --rows` and the schema note of `bl diff --stat`. Cells come from files
 * anyone may commit: control characters are shown escaped, never sent to the terminal.
 */
import {printable} from '../core/errors.js'
import type {RowDiffReport} from '../core/ops/row-diff.js'
import type {ColumnChanges} from '../core/tables/row-diff.js'
import type {Cell} from '../core/tables/types.js'
import {count} from './table-format.js'

const MAX_VALUE = 200

/** A cell for one line of text: plain when unambiguous, JSON-quoted otherwise (empty, spaces, `,` `=`, "null"). */
export function valueText(c: Cell): string {
  if (c === null) return 'null'
  if (typeof c === 'string') {
    const s = c.length > MAX_VALUE ? c.slice(0, MAX_VALUE) + '…' : c
    return s === '' || s === 'null' || /[\s,;=":]/.test(s) ? printable(JSON.stringify(s), MAX_VALUE + 50) : printable(s, MAX_VALUE + 50)
  }
  if (typeof c === 'number' || typeof c === 'boolean') return String(c)
  return printable(JSON.stringify(c), MAX_VALUE)
}

function nameText(n: string): string {
  return /^[^\s,;=":]+$/.test(n) ? printable(n, 100) : printable(JSON.stringify(n), 100)
}

/** `name=value, ...` for one row, as row diffs print it. */
export function cellPairs(cells: Record<string, Cell>): string {
  return Object.keys(cells)
    .map((k) => `${nameText(k)}=${valueText(cells[k]!)}`)
    .join(', ')
}

/** `+email, -fax, price integer -> number` (`arrow` between types: ' -> ' or '->'). */
export function columnChangesText(c: ColumnChanges, arrow = ' -> '): string {
  return [...c.added.map((n) => `+${nameText(n)}`), ...c.removed.map((n) => `-${nameText(n)}`), ...c.retyped.map((r) => `${nameText(r.name)} ${r.from}${arrow}${r.to}`)].join(', ')
}

export function rowDiffSummary(r: RowDiffReport): string {
  const kinds = [`${count(r.counts.added)} added`, `${count(r.counts.removed)} removed`]
  if (r.key) kinds.push(`${count(r.counts.changed)} changed`)
  const notes = [`${count(r.from.rows)} -> ${count(r.to.rows)} rows`, r.key ? `key ${r.key.map(nameText).join(', ')}` : 'matched by content']
  if (!r.from.exists) notes.push(`not in ${r.from.rev ?? 'the work tree'}`)
  if (!r.to.exists) notes.push(`not in ${r.to.rev ?? 'the work tree'}`)
  const cols = columnChangesText(r.columns)
  return `${printable(r.path, 500)}: ${kinds.join(', ')} rows (${notes.join('; ')})${cols ? `; columns: ${cols}` : ''}`
}

/** The rows of a diff, one per line: `+ line 12: ...`, `- line 9: ...`, `~ id=42: price 10 -> 12`. */
export function rowDiffLines(r: RowDiffReport): string[] {
  const out: string[] = []
  const more = (shown: number, total: number, kind: string): void => {
    if (total > shown) out.push(`  ... ${count(total - shown)} more ${kind} row${total - shown === 1 ? '' : 's'} (--limit shows more)`)
  }
  for (const a of r.added) out.push(`+ line ${a.line}: ${cellPairs(a.cells)}`)
  more(r.added.length, r.counts.added, 'added')
  for (const d of r.removed) out.push(`- line ${d.line}: ${cellPairs(d.cells)}`)
  more(r.removed.length, r.counts.removed, 'removed')
  for (const c of r.changed) out.push(`~ ${cellPairs(c.key)}: ${c.cells.map((x) => `${nameText(x.column)} ${valueText(x.old)} -> ${valueText(x.new)}`).join(', ')}`)
  more(r.changed.length, r.counts.changed, 'changed')
  return out
}
