/**
 * What each pane and view shows, as lines of styled text cut to a width. Pure, so the words and
 * the alignment are tested without a terminal; the components only colour and place them.
 * Everything from the repository goes through `clean` here.
 */
import type {BrowseChange, BrowseCommit, BrowseRef, BrowseTreeEntry, FileDiff, Preview} from '../../core/browse/types.js'
import type {SignatureVerification} from '../../core/signing/verify.js'
import {formatBytes} from '../../core/units.js'
import {clean, fit, slice, width} from '../text.js'

export interface Line {
  text: string
  color?: 'green' | 'red' | 'yellow' | 'cyan' | 'magenta' | 'blue' | 'gray'
  bold?: boolean
  dim?: boolean
}

export type SigState = SignatureVerification | 'checking' | undefined

/** Git's `%G?` letters: G good, B bad, E key unknown, Y key expired, R revoked; `?` not checked yet. */
export function sigLetter(c: BrowseCommit, sig: SigState): string {
  if (!c.signed) return ' '
  if (sig === undefined || sig === 'checking') return '?'
  return {good: 'G', bad: 'B', 'unknown-key': 'E', expired: 'Y', revoked: 'R', unsigned: ' '}[sig.status]
}

/** The commit's local time as `YYYY-MM-DD HH:MM:SS`; `?` for a time no Date can hold (a hostile or broken commit). */
function localTime(time: number, tzOffset: number): string {
  const d = new Date((time + tzOffset * 60) * 1000)
  return Number.isFinite(d.getTime()) ? d.toISOString().replace('T', ' ').slice(0, 19) : '?'
}

export function day(time: number, tzOffset: number): string {
  return localTime(time, tzOffset).slice(0, 10).padEnd(10)
}

export function subject(message: string): string {
  return clean(message.split('\n', 1)[0] ?? '')
}

export function commitRow(c: BrowseCommit, graph: string, sig: SigState, w: number): string {
  const refs = c.refs.length ? `(${c.refs.map((r) => clean(r)).join(', ')}) ` : ''
  const author = w >= 70 ? `${fit(clean(c.authorName), 12)} ` : ''
  return fit(`${graph}${sigLetter(c, sig)} ${c.id.slice(0, 8)} ${day(c.time, c.tzOffset)} ${author}${refs}${subject(c.message)}`, w)
}

export function refRow(r: BrowseRef, w: number): string {
  const mark = r.current ? '*' : r.kind === 'tag' ? 't' : r.kind === 'remote' ? 'r' : ' '
  return fit(`${mark} ${clean(r.name)}`, w)
}

/** A tree entry: name on the left; size (and file count for a directory) on the right. */
export function entryRow(e: BrowseTreeEntry, w: number): string {
  const name = clean(e.name) + (e.kind === 'dir' ? '/' : e.kind === 'symlink' ? ' ->' : e.exec ? '*' : '')
  const right = e.kind === 'dir' ? `${e.files} file${e.files === 1 ? '' : 's'} ${formatBytes(e.size).padStart(9)}` : formatBytes(e.size).padStart(9)
  const nameW = Math.max(1, w - width(right) - 1)
  return fit(`${fit(name, nameW)} ${right}`, w)
}

const STATUS_COLOR: Record<string, Line['color']> = {A: 'green', D: 'red', M: 'yellow', R: 'cyan', T: 'magenta'}

/** `1.2 MiB -> 1.3 MiB`; when both round to the same, the exact difference: `24 KiB (+3 B)`. */
export function sizeChange(before: number, after: number): string {
  if (before === after) return formatBytes(after)
  const a = formatBytes(before)
  const b = formatBytes(after)
  if (a !== b) return `${a} -> ${b}`
  const d = after - before
  return `${b} (${d > 0 ? '+' : '-'}${formatBytes(Math.abs(d))})`
}

export function changeRow(c: BrowseChange, w: number): Line {
  const sizes = c.status === 'A' ? formatBytes(c.newSize ?? 0) : c.status === 'D' ? formatBytes(c.oldSize ?? 0) : sizeChange(c.oldSize ?? 0, c.newSize ?? 0)
  const path = c.oldPath !== undefined ? `${clean(c.oldPath)} -> ${clean(c.path)}` : clean(c.path)
  const pathW = Math.max(1, w - 2 - width(sizes) - 1)
  return {text: fit(`${c.status} ${fit(path, pathW)} ${sizes}`, w), color: STATUS_COLOR[c.status]}
}

export function sigLine(c: BrowseCommit, sig: SigState): Line {
  if (!c.signed) return {text: 'Signature: none', dim: true}
  if (sig === undefined || sig === 'checking') return {text: 'Signature: checking...', dim: true}
  const who = sig.userId ? ` by ${clean(sig.userId)}` : ''
  const key = sig.fingerprint ?? sig.keyId
  const text = `Signature: ${sig.status}${who}${key ? ` (key ${key.slice(-16).toUpperCase()})` : ''}${sig.reason && sig.status !== 'good' ? `: ${clean(sig.reason)}` : ''}`
  return {text, color: sig.status === 'good' ? 'green' : sig.status === 'unsigned' ? undefined : 'red'}
}

export function commitDetail(c: BrowseCommit, sig: SigState): Line[] {
  const lines: Line[] = [
    {text: `commit ${c.id}`, color: 'yellow'},
    {text: `Author: ${clean(c.authorName)} <${clean(c.authorEmail)}>`},
    {text: `Date:   ${localTime(c.time, c.tzOffset)} ${tz(c.tzOffset)}`},
    sigLine(c, sig),
  ]
  if (sig && sig !== 'checking') for (const n of sig.notes) lines.push({text: `  ${clean(n)}`, dim: true})
  if (c.gitCommit) lines.push({text: `Code:   git ${clean(c.gitCommit)}`})
  if (c.parents.length) lines.push({text: `Parents: ${c.parents.map((p) => p.slice(0, 12)).join(' ')}`, dim: true})
  if (c.refs.length) lines.push({text: `Refs:   ${c.refs.map((r) => clean(r)).join(', ')}`, color: 'cyan'})
  lines.push({text: ''})
  for (const l of c.message.replace(/\n+$/, '').split('\n')) lines.push({text: `  ${clean(l)}`})
  return lines
}

function tz(minutes: number): string {
  const a = Math.abs(minutes)
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`
}

export function entryDetail(e: BrowseTreeEntry): Line[] {
  const lines: Line[] = [
    {text: clean(e.path) || '/', bold: true},
    {text: `Kind:  ${e.kind === 'file' && e.exec ? 'file (executable)' : e.kind}`},
    {text: `Size:  ${formatBytes(e.size)} (${e.size.toLocaleString('en-US')} bytes)`},
  ]
  if (e.kind === 'dir') lines.push({text: `Files: ${e.files.toLocaleString('en-US')}`})
  lines.push({text: `Id:    ${e.id}`, dim: true}, {text: ''}, {text: e.kind === 'dir' ? 'Enter opens it; h or Backspace goes up.' : 'Enter previews it.', dim: true})
  return lines
}

export function refDetail(r: BrowseRef): Line[] {
  return [
    {text: clean(r.name), bold: true},
    {text: `Kind:   ${r.kind === 'remote' ? 'remote-tracking branch' : r.kind}${r.current ? ' (HEAD)' : ''}`},
    {text: `Commit: ${r.commit}`, color: 'yellow'},
    {text: ''},
    {text: 'Enter lists its history.', dim: true},
  ]
}

// ---- previews -------------------------------------------------------------------------------------

/** Column widths for a table: each column as wide as its widest cell shown, within [3, 40]. */
const widthCache = new WeakMap<string[][], number[]>()

export function columnWidths(columns: string[], rows: string[][]): number[] {
  // Measured once per loaded table, not on every key.
  const cached = widthCache.get(rows)
  if (cached && cached.length === columns.length) return cached
  const widths = columns.map((c, i) => {
    let w = width(clean(c))
    for (const r of rows) w = Math.max(w, width(clean(r[i] ?? '', ' ')))
    return Math.max(3, Math.min(40, w))
  })
  widthCache.set(rows, widths)
  return widths
}

/** A table's header, rule and rows from column `left` on, aligned, `w` cells wide. */
export function tableLines(columns: string[], rows: string[][], widths: number[], left: number, top: number, height: number, w: number, firstRowNo = 1): Line[] {
  const noW = String(firstRowNo + rows.length).length
  const cell = (v: string, i: number): string => fit(clean(v, ' '), widths[i]!)
  const pick = (vals: string[]): string => vals.slice(left).map((v, j) => cell(v, left + j)).join(' | ')
  const header: Line = {text: fit(`${' '.repeat(noW)} | ${pick(columns)}`, w), bold: true}
  const rule: Line = {text: fit(`${'-'.repeat(noW)}-+-${widths.slice(left).map((x) => '-'.repeat(x)).join('-+-')}`, w), dim: true}
  const body = rows.slice(top, top + Math.max(0, height - 2)).map((r, i) => ({text: fit(`${String(firstRowNo + top + i).padStart(noW)} | ${pick(columns.map((_, c) => r[c] ?? ''))}`, w)}))
  return [header, rule, ...body]
}

/** Cells before the text of a numbered line: the number and a space. */
export function textGutter(total: number): number {
  return Math.max(3, String(total).length) + 1
}

/** Cells before the text of a diff line: both line numbers and a space between, a space, the +/- sign. */
export function diffGutter(d: Extract<FileDiff, {kind: 'lines'}>): number {
  return 2 * diffNumberWidth(d) + 3
}

function diffNumberWidth(d: Extract<FileDiff, {kind: 'lines'}>): number {
  return Math.max(3, ...d.hunks.map((h) => String(Math.max(h.oldStart + h.oldLines, h.newStart + h.newLines)).length))
}

export function numberedLines(lines: string[], left: number, top: number, height: number, w: number, total = lines.length): Line[] {
  const noW = textGutter(total) - 1
  return lines.slice(top, top + height).map((l, i) => ({text: `${String(top + i + 1).padStart(noW)} ${slice(clean(l), left, Math.max(1, w - noW - 1))}`}))
}

/** The lines a preview shows at a scroll position, under its one-line header. */
export function previewLines(p: Preview, top: number, left: number, height: number, w: number): Line[] {
  const more = p.truncated ? ' (first part; the file is larger)' : ''
  const head = (s: string): Line => ({text: fit(s, w), color: 'cyan'})
  const lines: Line[] = []
  const kind = p.kind === 'table' ? `${p.format.toUpperCase()} table, ${p.columns.length} columns, ${p.rows.length} rows shown` : p.kind === 'image' ? `${p.format.toUpperCase()} image, ${p.width ?? '?'}x${p.height ?? '?'}` : p.kind === 'binary' ? (p.type === 'binary' ? 'binary' : `${clean(p.type)} (binary)`) : p.kind
  lines.push(head(`${clean(p.path)}  ${formatBytes(p.size)}  ${kind}${more}`))
  if (p.note) lines.push({text: fit(clean(p.note), w), color: 'yellow'})
  const rest = Math.max(1, height - lines.length)
  switch (p.kind) {
    case 'table':
      lines.push(...tableLines(p.columns, p.rows, columnWidths(p.columns, p.rows), left, top, rest, w))
      break
    case 'json':
    case 'text':
      lines.push(...numberedLines(p.lines, left, top, rest, w))
      break
    case 'binary':
    case 'image':
      lines.push(...p.hex.slice(top, top + rest).map((h) => ({text: fit(clean(h), w), dim: p.kind === 'image'})))
      break
    case 'symlink':
      lines.push({text: fit(`symbolic link -> ${clean(p.target)}`, w)})
      break
    case 'empty':
      lines.push({text: '(empty file)', dim: true})
      break
  }
  return lines
}

// ---- what changed in a file -------------------------------------------------------------------------

export function fileDiffLines(d: FileDiff, top: number, left: number, height: number, w: number): Line[] {
  const lines: Line[] = []
  if (d.kind === 'none') return [{text: fit(clean(d.path), w), color: 'cyan'}, {text: fit(clean(d.reason), w), color: 'yellow'}]
  if (d.kind === 'lines') {
    lines.push({text: fit(`${clean(d.path)}  ${d.hunks.length} hunk${d.hunks.length === 1 ? '' : 's'}${d.truncated ? ' (cut short: too many changes)' : ''}`, w), color: 'cyan'})
    const noW = diffNumberWidth(d)
    // Only the rows on screen are formatted: a key press costs a screen, not the whole diff.
    const rows = Math.max(1, height - 1)
    let at = 0
    for (const h of d.hunks) {
      if (at >= top + rows) break
      const size = h.lines.length + 1
      if (at + size <= top) {
        at += size
        continue
      }
      if (at >= top) lines.push({text: fit(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, w), color: 'cyan'})
      at++
      for (let i = Math.max(0, top - at); i < h.lines.length && at + i < top + rows; i++) {
        const l = h.lines[i]!
        const nos = `${l.oldNo === null ? ' '.repeat(noW) : String(l.oldNo).padStart(noW)} ${l.newNo === null ? ' '.repeat(noW) : String(l.newNo).padStart(noW)}`
        lines.push({text: `${nos} ${l.op}${slice(clean(l.text), left, Math.max(1, w - diffGutter(d)))}`, color: l.op === '+' ? 'green' : l.op === '-' ? 'red' : undefined})
      }
      at += h.lines.length
    }
    return lines
  }
  const key = d.key ? `key ${d.key.map((k) => clean(k)).join(', ')}` : 'rows compared in order'
  lines.push({text: fit(`${clean(d.path)}  ${d.added} added, ${d.removed} removed, ${d.modified} modified (${key})${d.truncated ? ', first changes only' : ''}`, w), color: 'cyan'})
  const cells = rowCells(d)
  const widths = columnWidths(d.columns, cells)
  const table = tableLines(d.columns, cells, widths, left, top, Math.max(1, height - 1), Math.max(1, w - 2))
  lines.push({...table[0]!, text: `  ${table[0]!.text}`}, {...table[1]!, text: `  ${table[1]!.text}`})
  table.slice(2).forEach((l, i) => {
    const r = d.rows[top + i]!
    lines.push({text: `${r.op} ${l.text}`, color: r.op === '+' ? 'green' : r.op === '-' ? 'red' : 'yellow'})
  })
  return lines
}

/** A row diff's cells (`old -> new` where a value changed), built once per loaded diff so column widths are measured once too. */
const cellCache = new WeakMap<FileDiff, string[][]>()
function rowCells(d: Extract<FileDiff, {kind: 'rows'}>): string[][] {
  let cells = cellCache.get(d)
  if (!cells) {
    cells = d.rows.map((r) => r.cells.map((v, i) => (r.before && d.columns[i]! in r.before ? `${r.before[d.columns[i]!]} -> ${v}` : v)))
    cellCache.set(d, cells)
  }
  return cells
}
