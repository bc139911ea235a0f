/**
 * Bounded previews of one file version for `bl browse`. Every path reads a budget, never the
 * whole file: the first screen of a 1 GiB file costs about as much as that of a 1 KiB one.
 *
 * - tables (CSV/TSV/JSONL/Parquet by extension; Parquet or JSONL by content when the name has no
 *   extension): the first rows, cells as text; a file the reader rejects falls back to text/hex
 *   with a note saying why
 * - `.json`: re-indented by a streaming pass over the first bytes (json-pretty.ts)
 * - images: format and dimensions from the header (image-size.ts) and a short hex dump
 * - text (no NUL and valid UTF-8 in the first 8 KiB): lines
 * - other binary: the type its magic number names and a hex dump
 */
import {BlError, isBlError, printable} from '../errors.js'
import type {Oid} from '../hash.js'
import {detectFormat, formatOfPath, openTable} from '../tables/open.js'
import type {ByteSource, Cell, TableFormat} from '../tables/types.js'
import {hexDump} from './hex.js'
import {imageInfo} from './image-size.js'
import {prettyJson} from './json-pretty.js'
import {binaryType, looksText, trimPartialUtf8} from './sniff.js'
import {budgeted, overBudget} from './sources.js'
import type {Preview, PreviewOptions} from './types.js'

export const DEFAULT_MAX_LINES = 2000
/** Text and JSON: bytes read at most (a screenful of lines is far less). */
export const TEXT_BYTES = 1 << 20
/** Head read for sniffing, image headers and hex dumps. */
const HEAD_BYTES = 64 * 1024
/** Hex dumps stop here whatever `maxLines` asks. */
const HEX_BYTES = 64 * 1024
const IMAGE_HEX_LINES = 16
/** Tables: bytes a reader may stream for its rows (CSV/TSV/JSONL) or read by range (Parquet: a row group). */
const TABLE_BYTES = 8 << 20
const PARQUET_BYTES = 32 << 20
const SYMLINK_BYTES = 64 * 1024

export interface PreviewInput {
  path: string
  id: Oid
  kind: 'file' | 'symlink'
  size: number
  /** The file's bytes (read by range, or streamed). */
  source: ByteSource
}

type Common = {path: string; id: Oid; size: number}

export async function previewFile(input: PreviewInput, opts: PreviewOptions = {}): Promise<Preview> {
  const maxLines = opts.maxLines ?? DEFAULT_MAX_LINES
  if (!Number.isInteger(maxLines) || maxLines < 1) throw new BlError('INVALID_ARGUMENT', `maxLines must be a whole number of at least 1, got ${maxLines}`, {hint: 'e.g. 2000.'})
  const common: Common = {path: input.path, id: input.id, size: input.size}
  if (input.kind === 'symlink') {
    const target = await input.source.read(0, Math.min(input.size, SYMLINK_BYTES))
    return {kind: 'symlink', ...common, target: target.toString('utf8'), truncated: input.size > target.length}
  }
  if (input.size === 0) return {kind: 'empty', ...common, truncated: false}
  const head = await input.source.read(0, Math.min(input.size, HEAD_BYTES))
  const isText = looksText(head, head.length >= input.size)
  const {format, guessed} = await formatOf(input)
  let note: string | undefined
  if (format && format !== 'json') {
    // A text format holding binary bytes (say, gzip under a .csv name) would parse as garbage rows.
    const t = format === 'parquet' || isText ? await tablePreview(input, common, format, maxLines) : {kind: 'fallback' as const, note: `not ${formatName(format)}: binary content`}
    if (t.kind !== 'fallback') return t
    if (!guessed) note = t.note
  }
  const image = await imageInfo(head, input.size, (s, e) => input.source.read(s, e))
  if (image) {
    const shown = head.subarray(0, Math.min(IMAGE_HEX_LINES, maxLines) * 16)
    return {kind: 'image', ...common, ...image, hex: hexDump(shown), truncated: input.size > shown.length, ...(note ? {note} : {})}
  }
  if (!isText) {
    const shown = head.subarray(0, Math.min(maxLines * 16, HEX_BYTES))
    const why = note ?? (format === 'json' && !guessed ? 'not JSON: binary content' : undefined)
    return {kind: 'binary', ...common, type: binaryType(head), hex: hexDump(shown), truncated: input.size > shown.length, ...(why ? {note: why} : {})}
  }
  const bytes = input.size <= head.length ? head : await input.source.read(0, Math.min(input.size, TEXT_BYTES))
  const complete = bytes.length >= input.size
  const text = trimPartialUtf8(bytes).toString('utf8').replace(/^\uFEFF/, '')
  if (format === 'json') {
    const j = jsonPreview(text, complete, common, maxLines)
    if (j.kind === 'json') return j
    if (!guessed) note = j.note
  }
  return textPreview(text, complete, common, maxLines, note)
}

const formatName = (f: TableFormat): string => (f === 'jsonl' ? 'JSONL' : f === 'parquet' ? 'Parquet' : f.toUpperCase())

/**
 * The table format (or `json`) by extension; without an extension, by content (detectFormat).
 * A format guessed from content is only a guess: failing it goes unremarked.
 */
async function formatOf(input: PreviewInput): Promise<{format: TableFormat | null; guessed: boolean}> {
  const byName = formatOfPath(input.path)
  if (byName) return {format: byName, guessed: false}
  const base = input.path.slice(input.path.lastIndexOf('/') + 1)
  if (base.includes('.')) return {format: null, guessed: false}
  return {format: await detectFormat(input.source, input.path), guessed: true}
}

/** A cell as text: null as '', nested values as JSON. */
export function cellText(c: Cell | undefined): string {
  if (c === null || c === undefined) return ''
  if (typeof c === 'string') return c
  if (typeof c === 'number' || typeof c === 'boolean') return String(c)
  return JSON.stringify(c, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}

type TableResult = Preview | {kind: 'fallback'; note: string}

async function tablePreview(input: PreviewInput, common: Common, format: TableFormat, maxLines: number): Promise<TableResult> {
  const budget = format === 'parquet' ? PARQUET_BYTES : TABLE_BYTES
  const src = budgeted(input.source, budget)
  const what = formatName(format)
  const rows: Cell[][] = []
  let truncated = false
  let note: string | undefined
  let reader
  try {
    reader = await openTable(src, input.path, {format})
  } catch (err) {
    if (overBudget(err)) return {kind: 'fallback', note: `not previewed as ${what}: its header needs more than ${mib(budget)} read`}
    if (isBlError(err) && (err.code === 'BAD_TABLE' || err.code === 'NOT_A_TABLE')) return {kind: 'fallback', note: `not valid ${what}: ${printable(err.message, 200)}`}
    throw err
  }
  const it = reader.rows()[Symbol.asyncIterator]()
  try {
    for (;;) {
      const next = await it.next()
      if (next.done) break
      if (rows.length === maxLines) {
        truncated = true
        break
      }
      rows.push(next.value.cells)
    }
  } catch (err) {
    if (overBudget(err)) {
      truncated = true
      if (rows.length === 0) note = `no rows shown: the first rows need more than ${mib(budget)} read`
    } else if (isBlError(err) && err.code === 'BAD_TABLE') {
      // A malformed row after the ones shown still means "more follows"; one among them does not read as a table.
      if (rows.length < maxLines) return {kind: 'fallback', note: `not valid ${what}: ${printable(err.message, 200)}`}
      truncated = true
    } else throw err
  } finally {
    await it.return?.()
  }
  // JSONL may have met more columns while reading: earlier rows lack them.
  const columns = [...reader.columns]
  return {
    kind: 'table',
    ...common,
    format: reader.format,
    columns,
    rows: rows.map((r) => columns.map((_, i) => cellText(r[i]))),
    truncated,
    ...(note ? {note} : {}),
  }
}

function jsonPreview(text: string, complete: boolean, common: Common, maxLines: number): Preview | {kind: 'fallback'; note: string} {
  // A complete document is checked by the real parser; the layout still comes from the text (tokens as written).
  if (complete) {
    try {
      JSON.parse(text)
    } catch (err) {
      return {kind: 'fallback', note: `not valid JSON: ${printable((err as Error).message, 160)}`}
    }
  }
  const p = prettyJson(text, maxLines)
  if (p.error) return {kind: 'fallback', note: `not valid JSON: ${p.error}`}
  return {kind: 'json', ...common, lines: p.lines, truncated: !complete || !p.done}
}

function textPreview(text: string, complete: boolean, common: Common, maxLines: number, note?: string): Preview {
  const lines: string[] = []
  let from = 0
  let truncated = !complete
  while (from < text.length) {
    if (lines.length === maxLines) {
      truncated = true
      break
    }
    const nl = text.indexOf('\n', from)
    if (nl < 0) {
      // The last line, unless the byte budget cut it (then it is left out, unless it is all there is).
      if (complete || lines.length === 0) lines.push(text.slice(from))
      break
    }
    lines.push(text.slice(from, nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl))
    from = nl + 1
  }
  return {kind: 'text', ...common, lines, truncated, ...(note ? {note} : {})}
}

const mib = (n: number): string => `${Math.round(n / 2 ** 20)} MiB`
