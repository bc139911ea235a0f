/**
 * What changed inside one file between two versions, for `bl browse`: rows for tables
 * (CSV/TSV/JSONL/Parquet, by the row-diff engine `bl diff --rows` uses), lines for text, and a
 * reason for everything else. Bounded like the previews: modified text over MAX_LINE_BYTES a
 * side is not aligned, an added or deleted text file shows its first ADDED_BYTES, a table diff
 * returns at most ROW_LIMIT rows of each kind, and tables over MAX_TABLE_BYTES a side are left
 * to `bl diff --rows`, which is not interactive.
 */
import {isBlError, printable} from '../errors.js'
import type {Oid} from '../hash.js'
import {diffLines, splitLines} from '../diff/lines.js'
import type {EntryKind} from '../objects/tree.js'
import {formatOfPath, openTable} from '../tables/open.js'
import {diffRows, type RowRecord} from '../tables/row-diff.js'
import type {ByteSource, TableFormat, TableReader} from '../tables/types.js'
import {cellText} from './preview.js'
import {looksText, trimPartialUtf8} from './sniff.js'
import {formatBytes} from '../units.js'
import type {FileDiff, RowChange} from './types.js'

export const MAX_LINE_BYTES = 8 << 20
export const ADDED_BYTES = 1 << 20
export const MAX_TABLE_BYTES = 256 << 20
export const ROW_LIMIT = 1000

/** One version of the file. */
export interface DiffSide {
  path: string
  kind: Exclude<EntryKind, 'dir'>
  id: Oid
  size: number
  exec: boolean
  /** Its bytes (created only when they are read). */
  source(): ByteSource
}

const TABLES = new Set<TableFormat>(['csv', 'tsv', 'jsonl', 'parquet'])
const tableFormat = (s: DiffSide): TableFormat | null => {
  const f = s.kind === 'file' ? formatOfPath(s.path) : null
  return f && TABLES.has(f) ? f : null
}

/** `path` is where the change is reported (the new path of a rename). */
export async function diffFile(path: string, oldSide: DiffSide | null, newSide: DiffSide | null): Promise<FileDiff> {
  const none = (reason: string): FileDiff => ({kind: 'none', path, reason})
  if (!oldSide && !newSide) return none('the file is in neither version')
  if (oldSide && newSide && oldSide.id === newSide.id && oldSide.kind === newSide.kind) {
    const what = [
      ...(oldSide.path !== newSide.path ? [`renamed from ${oldSide.path}`] : []),
      ...(oldSide.exec !== newSide.exec ? [newSide.exec ? 'now executable' : 'no longer executable'] : []),
    ]
    return none(`${what.length ? what.join(', ') + '; ' : ''}the content is unchanged`)
  }
  const sides = [oldSide, newSide].filter((s): s is DiffSide => s !== null)
  let note: string | undefined
  if (sides.every((s) => tableFormat(s) !== null)) {
    const big = sides.find((s) => s.size > MAX_TABLE_BYTES)
    if (big) return none(`${sizes(oldSide, newSide)}: too large for an interactive row diff (limit ${formatBytes(MAX_TABLE_BYTES)} a side); run \`bl diff --rows\` on it`)
    const rows = await rowDiff(path, oldSide, newSide)
    if (rows.kind !== 'fallback') return rows
    note = rows.note
  }
  return lineDiff(path, oldSide, newSide, note)
}

/** `1.2 KiB → 3.4 KiB`, `added, 3.4 KiB`, `deleted, 1.2 KiB`. */
function sizes(o: DiffSide | null, n: DiffSide | null): string {
  if (o && n) return `${formatBytes(o.size)} → ${formatBytes(n.size)}`
  return o ? `deleted, ${formatBytes(o.size)}` : `added, ${formatBytes(n!.size)}`
}

// ---- rows ----------------------------------------------------------------------------------------

async function rowDiff(path: string, oldSide: DiffSide | null, newSide: DiffSide | null): Promise<FileDiff | {kind: 'fallback'; note: string}> {
  let oldR: TableReader | null = null
  let newR: TableReader | null = null
  try {
    const open = (s: DiffSide | null): Promise<TableReader> | null => (s ? openTable(s.source(), s.path, {format: tableFormat(s)!}) : null)
    oldR = await open(oldSide)
    newR = await open(newSide)
    const res = await diffRows({reader: oldR, label: 'the parent'}, {reader: newR, label: 'this commit'}, {key: null, limit: ROW_LIMIT, path})
    const columns = [...res.to.columns, ...res.from.columns.filter((c) => !res.to.columns.includes(c))]
    const cells = (r: RowRecord): string[] => columns.map((c) => cellText(Object.hasOwn(r.cells, c) ? r.cells[c] : null))
    // Removed and added rows interleaved by line, so a row edited in place shows as - then +.
    const tagged: Array<{line: number; row: RowChange}> = [
      ...res.removed.map((r) => ({line: r.line, row: {op: '-' as const, cells: cells(r)}})),
      ...res.added.map((r) => ({line: r.line, row: {op: '+' as const, cells: cells(r)}})),
      // Keyed diffs only (never with key null): the key and the changed cells are what is known of the row.
      ...res.changed.map((c) => {
        const now = new Map<string, string>([...Object.entries(c.key).map(([k, v]) => [k, cellText(v)] as const), ...c.cells.map((x) => [x.column, cellText(x.new)] as const)])
        return {line: c.newLine, row: {op: '~' as const, cells: columns.map((col) => now.get(col) ?? ''), before: Object.fromEntries(c.cells.map((x) => [x.column, cellText(x.old)]))}}
      }),
    ]
    tagged.sort((x, y) => x.line - y.line || (x.row.op === '-' ? -1 : y.row.op === '-' ? 1 : 0))
    return {
      kind: 'rows',
      path,
      format: (newR ?? oldR)!.format,
      key: res.key,
      columns,
      added: res.counts.added,
      removed: res.counts.removed,
      modified: res.counts.changed,
      rows: tagged.map((t) => t.row),
      truncated: res.truncated,
    }
  } catch (err) {
    if (isBlError(err) && (err.code === 'BAD_TABLE' || err.code === 'NOT_A_TABLE')) return {kind: 'fallback', note: `not compared as a table: ${printable(err.message, 200)}`}
    throw err
  }
}

// ---- lines ---------------------------------------------------------------------------------------

interface Text {
  lines: string[]
  /** Only the first bytes were read. */
  partial: boolean
  /** What splitting into lines hides: a byte order mark, the newline at the end, bytes that are not UTF-8. */
  bom?: boolean
  finalNewline?: boolean
  lossy?: boolean
}

/** A side as lines (a symlink: its target), or null when it is binary. */
async function textOf(s: DiffSide, limit: number): Promise<Text | null> {
  const src = s.source()
  const bytes = await src.read(0, Math.min(s.size, limit))
  const partial = bytes.length < s.size
  if (s.kind === 'symlink') return {lines: [bytes.toString('utf8')], partial}
  if (!looksText(bytes, !partial)) return null
  const whole = trimPartialUtf8(bytes)
  let text = whole.toString('utf8')
  const bom = text.startsWith('\uFEFF')
  if (bom) text = text.slice(1)
  const lossy = text.includes('\uFFFD') && !Buffer.from((bom ? '\uFEFF' : '') + text, 'utf8').equals(whole)
  // A line cut by the byte budget is left out.
  if (partial && text.lastIndexOf('\n') >= 0) text = text.slice(0, text.lastIndexOf('\n') + 1)
  return {lines: splitLines(text), partial, bom, finalNewline: text.endsWith('\n'), lossy}
}

function sameLinesReason(a: Text, b: Text): string {
  if (a.lossy || b.lossy) return 'the lines read the same, but bytes that are not valid UTF-8 differ'
  const what: string[] = []
  if (!!a.bom !== !!b.bom) what.push(b.bom ? 'a byte order mark was added' : 'the byte order mark was removed')
  if (!!a.finalNewline !== !!b.finalNewline) what.push(b.finalNewline ? 'a newline was added at the end of the file' : 'the newline at the end of the file was removed')
  return what.length ? `only ${what.join(' and ')}` : 'the lines read the same; the bytes differ'
}

async function lineDiff(path: string, oldSide: DiffSide | null, newSide: DiffSide | null, note?: string): Promise<FileDiff> {
  const none = (reason: string): FileDiff => ({kind: 'none', path, reason: note ? `${reason} (${note})` : reason})
  const both = oldSide !== null && newSide !== null
  if (both && (oldSide.size > MAX_LINE_BYTES || newSide.size > MAX_LINE_BYTES)) return none(`${sizes(oldSide, newSide)}: too large to compare line by line (limit ${formatBytes(MAX_LINE_BYTES)} a side)`)
  const limit = both ? MAX_LINE_BYTES : ADDED_BYTES
  const oldText = oldSide ? await textOf(oldSide, limit) : {lines: [], partial: false}
  const newText = newSide ? await textOf(newSide, limit) : {lines: [], partial: false}
  if (!oldText || !newText) return none(`binary file, ${sizes(oldSide, newSide)}`)
  const d = diffLines(oldText.lines, newText.lines)
  // The same lines, yet different files: say what splitting hid.
  if (d.hunks.length === 0 && !oldText.partial && !newText.partial) return none(sameLinesReason(oldText, newText))
  const notes = [note, d.coarse ? 'too different to align everywhere: some changed stretches are shown as removed, then added' : undefined].filter((x): x is string => x !== undefined)
  return {kind: 'lines', path, hunks: d.hunks, truncated: d.truncated || oldText.partial || newText.partial, ...(notes.length ? {note: notes.join('; ')} : {})}
}
