/**
 * JSON Lines (one object per line, streamed) and JSON documents (an array of records, or an
 * object holding one). Columns are the keys in order of first appearance: JSONL takes them from
 * the first 1,000 records and appends keys that appear later to `columns` as they are met (a
 * consumer reads `columns` after the rows for the full list); a missing key is a null cell.
 */
import {isUtf8} from 'node:buffer'
import {BlError, printable} from '../errors.js'
import {MAX_COLUMNS, type ByteSource, type Cell, type TableReader, type TableRow} from './types.js'

const LF = 0x0a
const SAMPLE_RECORDS = 1000
const SAMPLE_BYTES = 1 << 20
/** A JSON document is parsed whole; beyond this, JSONL is the format for it. */
export const MAX_JSON_DOCUMENT = 256 * 1024 * 1024

function bad(src: string, line: number | null, what: string, hint: string): BlError {
  return new BlError('BAD_TABLE', `${src}: ${line === null ? '' : `line ${line}: `}${what}`, {hint, data: {path: src, line}})
}

/** Lines of the file, streamed, with their 1-based numbers; blank lines are skipped. */
async function* lines(src: ByteSource, limitBytes = Infinity): AsyncGenerator<{line: number; text: string}> {
  let carry: Buffer | null = null
  let line = 0
  let read = 0
  const emit = function* (buf: Buffer, from: number, to: number): Generator<{line: number; text: string}> {
    line++
    let end = to
    if (end > from && buf[end - 1] === 0x0d) end--
    // A UTF-8 BOM before the first line is skipped, as for CSV and JSON documents.
    if (line === 1 && end - from >= 3 && buf[from] === 0xef && buf[from + 1] === 0xbb && buf[from + 2] === 0xbf) from += 3
    const bytes = buf.subarray(from, end)
    if (bytes.length === 0 || /^\s*$/.test(bytes.toString('latin1'))) return
    if (!isUtf8(bytes)) throw bad(src.name, line, 'not valid UTF-8', 'Convert the file to UTF-8.')
    yield {line, text: bytes.toString('utf8')}
  }
  // The bytes of a line longer than a chunk wait as pieces, joined once its end comes: joining
  // at every chunk copied (and searched) the line again each time, quadratic in its length.
  let pending: Buffer[] = []
  for await (const chunk of src.stream()) {
    if (carry && chunk.indexOf(LF) < 0) {
      pending.push(chunk)
      read += chunk.length
      if (read >= limitBytes) break
      continue
    }
    const buf: Buffer = carry ? Buffer.concat([carry, ...pending, chunk]) : chunk
    carry = null
    pending = []
    let from = 0
    for (;;) {
      const nl = buf.indexOf(LF, from)
      if (nl < 0) break
      yield* emit(buf, from, nl)
      from = nl + 1
    }
    if (from < buf.length) carry = Buffer.from(buf.subarray(from))
    read += chunk.length
    if (read >= limitBytes) break
  }
  if (carry && read < limitBytes) {
    const last = Buffer.concat([carry, ...pending])
    yield* emit(last, 0, last.length)
  }
}

function parseLine(src: string, line: number, text: string): Record<string, Cell> {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw bad(src, line, `not JSON (${printable((err as Error).message, 120)})`, 'Each line of a JSONL file must be one JSON object.')
  }
  // Objects only (docs/tables.md): an array line would mix positional columns with named ones.
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw bad(src, line, `a JSON ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}, not an object`, 'Each line of a JSONL file must be one JSON object.')
  return v as Record<string, Cell>
}

function tooWide(src: string, line: number | null): BlError {
  return bad(src, line, `more than ${MAX_COLUMNS} columns`, 'A table has at most 10,000 columns; is this a table?')
}

/** Cells of one record in `columns` order, adding unseen keys to `columns`. */
function cellsOf(rec: Record<string, Cell> | Cell[], columns: string[], index: Map<string, number>, src: string, line: number | null): Cell[] {
  if ((Array.isArray(rec) ? rec.length : Object.keys(rec).length) > MAX_COLUMNS) throw tooWide(src, line)
  if (Array.isArray(rec)) {
    while (columns.length < rec.length) {
      const n = `column${columns.length + 1}`
      index.set(n, columns.length)
      columns.push(n)
    }
    return columns.map((_, i) => (rec[i] === undefined ? null : rec[i]!))
  }
  for (const k of Object.keys(rec)) {
    if (!index.has(k)) {
      if (columns.length >= MAX_COLUMNS) throw tooWide(src, line)
      index.set(k, columns.length)
      columns.push(k)
    }
  }
  return columns.map((k) => (Object.hasOwn(rec, k) ? (rec[k] ?? null) : null))
}

export async function openJsonl(src: ByteSource): Promise<TableReader> {
  const columns: string[] = []
  const index = new Map<string, number>()
  let n = 0
  for await (const {line, text} of lines(src, SAMPLE_BYTES)) {
    if (++n > SAMPLE_RECORDS) break
    try {
      cellsOf(parseLine(src.name, line, text), columns, index, src.name, line)
    } catch {
      break // reported with its line when the rows are read
    }
  }
  return {
    format: 'jsonl',
    columns,
    async *rows(): AsyncIterable<TableRow> {
      let row = 0
      for await (const {line, text} of lines(src)) yield {row: ++row, line, cells: cellsOf(parseLine(src.name, line, text), columns, index, src.name, line)}
    },
  }
}

/** The records of a JSON document: a top-level array, or the one array-valued property of an object. */
export function recordsOf(doc: unknown): unknown[] | null {
  if (Array.isArray(doc)) return doc
  if (typeof doc === 'object' && doc !== null) {
    const arrays = Object.values(doc).filter(Array.isArray)
    if (arrays.length === 1) return arrays[0]!
  }
  return null
}

/** Parses a whole JSON document (bounded by MAX_JSON_DOCUMENT). */
export async function readJsonDocument(src: ByteSource): Promise<unknown> {
  if (src.size > MAX_JSON_DOCUMENT)
    throw new BlError('BAD_TABLE', `${src.name}: a ${Math.round(src.size / 2 ** 20)} MiB JSON document is too big to read whole (limit ${MAX_JSON_DOCUMENT / 2 ** 20} MiB)`, {hint: 'Store large tables as JSONL (one record per line), CSV or Parquet.', data: {path: src.name}})
  const parts: Buffer[] = []
  for await (const c of src.stream()) parts.push(c)
  const bytes = Buffer.concat(parts)
  if (!isUtf8(bytes)) throw bad(src.name, invalidUtf8Line(bytes), 'not valid UTF-8', 'Convert the file to UTF-8.')
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '')
  try {
    return JSON.parse(text)
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message)
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : null
    throw bad(src.name, line, `not JSON (${printable((err as Error).message, 120)})`, 'Fix the document; `bl show <rev>:<path>` prints it.')
  }
}

export async function openJson(src: ByteSource): Promise<TableReader> {
  const doc = await readJsonDocument(src)
  const records = recordsOf(doc)
  if (!records || !records.every((r) => typeof r === 'object' && r !== null))
    throw new BlError('NOT_A_TABLE', `${src.name} is a JSON document, not a table (an array of records)`, {hint: 'A table is an array of objects (or of arrays), or an object holding one such array.', data: {path: src.name}})
  const columns: string[] = []
  const index = new Map<string, number>()
  const rowsCells = records.map((r) => cellsOf(r as Record<string, Cell>, columns, index, src.name, null))
  return {
    format: 'json',
    columns,
    rowCount: records.length,
    async *rows(): AsyncIterable<TableRow> {
      for (let i = 0; i < rowsCells.length; i++) {
        const cells = rowsCells[i]!
        // Records met early lack the columns later ones added.
        while (cells.length < columns.length) cells.push(null)
        yield {row: i + 1, line: i + 1, cells}
      }
    },
  }
}

/** The 1-based line holding the first invalid UTF-8 sequence (line breaks are ASCII, so lines check alone). */
function invalidUtf8Line(b: Buffer): number {
  let line = 1
  let from = 0
  for (;;) {
    const nl = b.indexOf(LF, from)
    const end = nl < 0 ? b.length : nl
    if (!isUtf8(b.subarray(from, end))) return line
    if (nl < 0) return line
    from = nl + 1
    line++
  }
}
