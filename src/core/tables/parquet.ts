/**
 * Parquet tables through hyparquet (the one file that imports it): pure JavaScript, maintained,
 * reads by byte range and by row range, all encodings and, with hyparquet-compressors, every
 * common codec (snappy, gzip, zstd, brotli, lz4). Rows are read one row group at a time, so
 * memory is bounded by the largest row group, never the file. Cells: 64-bit integers become
 * numbers when exact, else decimal strings; dates `YYYY-MM-DD`; timestamps ISO 8601; binary
 * values base64; nested values plain JSON.
 */
import {parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData, type SchemaElement} from 'hyparquet'
import {compressors} from 'hyparquet-compressors'
import {BlError, printable} from '../errors.js'
import type {ByteSource, Cell, ColumnType, TableReader, TableRow} from './types.js'

const MAGIC = 'PAR1'
/** A footer bigger than this is not one bl reads (a hostile length, not metadata). */
const MAX_FOOTER = 64 * 1024 * 1024

function bad(src: ByteSource, what: string, cause?: unknown): BlError {
  return new BlError('BAD_TABLE', `${src.name}: ${what}`, {hint: 'The Parquet file is damaged or truncated; `bl fsck` checks the stored bytes, the writer may have failed.', data: {path: src.name}, cause})
}

function reason(err: unknown): string {
  return printable(err instanceof Error ? err.message : String(err), 160)
}

export async function openParquet(src: ByteSource): Promise<TableReader> {
  if (src.size < 12) throw bad(src, `not a Parquet file (${src.size} bytes)`)
  const [head, tail] = await Promise.all([src.read(0, 4), src.read(src.size - 8, src.size)])
  if (head.toString('latin1') !== MAGIC || tail.subarray(4).toString('latin1') !== MAGIC) throw bad(src, 'not a Parquet file, or truncated (no PAR1 marker at both ends)')
  const footer = tail.readUInt32LE(0)
  if (footer + 12 > src.size || footer > MAX_FOOTER) throw bad(src, `truncated: the footer claims ${footer} bytes of a ${src.size}-byte file`)
  const file: AsyncBuffer = {
    byteLength: src.size,
    slice: async (s: number, e?: number) => {
      const b = await src.read(s, e ?? src.size)
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer
    },
  }
  let metadata: FileMetaData
  let top: SchemaElement[]
  let nested: boolean[]
  try {
    // The footer length is known: fetch exactly it, not hyparquet's default 512 KiB guess.
    metadata = await parquetMetadataAsync(file, {initialFetchSize: footer + 8})
    const tree = parquetSchema(metadata)
    top = tree.children.map((c) => c.element)
    nested = tree.children.map((c) => c.children.length > 0)
  } catch (err) {
    throw bad(src, `unreadable footer (${reason(err)})`, err)
  }
  const columns = top.map((e) => e.name)
  const declaredTypes = top.map((e, i) => (nested[i] ? 'json' : columnType(e)))
  const groups = metadata.row_groups.map((g) => Number(g.num_rows))
  const rowCount = Number(metadata.num_rows)
  if (!Number.isSafeInteger(rowCount) || groups.some((n) => !Number.isSafeInteger(n) || n < 0)) throw bad(src, 'impossible row counts in the footer')
  return {
    format: 'parquet',
    columns,
    declaredTypes,
    rowCount,
    async *rows(): AsyncIterable<TableRow> {
      for await (const batch of batches()) yield* batch
    },
    batches,
  }

  async function* batches(): AsyncIterable<TableRow[]> {
    let start = 0
    for (let g = 0; g < groups.length; g++) {
      const end = start + groups[g]!
      let raw: unknown[][] = []
      try {
        await parquetRead({file, metadata, rowStart: start, rowEnd: end, compressors, onComplete: (rows: unknown[][]) => (raw = rows)})
      } catch (err) {
        throw bad(src, `row group ${g + 1} (rows ${start + 1}-${end}): ${reason(err)}`, err)
      }
      if (raw.length !== end - start) throw bad(src, `row group ${g + 1} holds ${raw.length} rows, its header says ${end - start}`)
      const out: TableRow[] = raw.map((r, i) => ({row: start + i + 1, line: start + i + 1, cells: columns.map((_, c) => toCell(r[c], declaredTypes[c]!))}))
      start = end
      if (out.length) yield out
    }
  }
}

/** Our type for a Parquet column: logical type first, then the legacy converted type, then the physical one. */
function columnType(e: SchemaElement): ColumnType {
  switch (e.logical_type?.type) {
    case 'STRING':
    case 'ENUM':
    case 'UUID':
      return 'string'
    case 'JSON':
    case 'BSON':
    case 'LIST':
    case 'MAP':
    case 'VARIANT':
      return 'json'
    case 'DATE':
      return 'date'
    case 'TIME':
    case 'TIMESTAMP':
      return 'timestamp'
    case 'DECIMAL':
    case 'FLOAT16':
      return 'number'
    case 'INTEGER':
      return 'integer'
    case 'NULL':
      return 'null'
  }
  switch (e.converted_type) {
    case 'UTF8':
    case 'ENUM':
      return 'string'
    case 'JSON':
    case 'BSON':
    case 'LIST':
    case 'MAP':
    case 'MAP_KEY_VALUE':
      return 'json'
    case 'DATE':
      return 'date'
    case 'TIME_MILLIS':
    case 'TIME_MICROS':
    case 'TIMESTAMP_MILLIS':
    case 'TIMESTAMP_MICROS':
      return 'timestamp'
    case 'DECIMAL':
      return 'number'
  }
  switch (e.type) {
    case 'BOOLEAN':
      return 'boolean'
    case 'INT32':
    case 'INT64':
      return 'integer'
    case 'INT96':
      return 'timestamp'
    case 'FLOAT':
    case 'DOUBLE':
      return 'number'
    default:
      return 'string'
  }
}

/** A value as hyparquet gives it, as one of our cells. */
function toCell(v: unknown, type: ColumnType): Cell {
  if (v === undefined || v === null) return null
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return null
    return type === 'date' ? v.toISOString().slice(0, 10) : v.toISOString()
  }
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64')
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v)
  if (typeof v === 'string' || typeof v === 'boolean') return v
  if (Array.isArray(v)) return v.map((x) => toCell(x, 'json'))
  if (typeof v === 'object') {
    const o: {[k: string]: Cell} = {}
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = toCell(x, 'json')
    return o
  }
  return String(v)
}
