/**
 * Parquet tables through hyparquet (the one file that imports it): pure JavaScript, reads by byte
 * range and by row range, every encoding and, with hyparquet-compressors, every common codec.
 *
 * Streaming: rows are read one row group at a time (`parquetRead` with that group's `rowStart` and
 * `rowEnd`), so only the footer and the column chunks of the group being read are ever fetched,
 * and memory is bounded by one row group. Its columns are turned into rows lazily, a batch at a
 * time, never all at once.
 *
 * Hostile input: the footer length is checked against the file before anything is read; the
 * footer's row counts and byte ranges are checked against the file and the schema; and every page
 * header of a column chunk is checked (sizes inside the chunk, a bounded uncompressed size, value
 * counts that add up to the group's rows) before hyparquet decodes it, since hyparquet trusts
 * them. Anything malformed is BAD_TABLE naming the file and, when known, the row group.
 *
 * Cells: 64-bit integers are numbers when exact, else decimal strings; DATE `YYYY-MM-DD`;
 * TIMESTAMP ISO 8601 in UTC with the column's own precision (3, 6 or 9 fraction digits); TIME
 * `HH:MM:SS.fff`; binary values (BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY without a STRING, UTF8, ENUM,
 * JSON or UUID annotation) base64, as Arrow, Spark and DuckDB treat them as binary too, and a lossy
 * UTF-8 decode would make different values look equal; nested values plain JSON; NaN and
 * infinities the strings `NaN`, `Infinity`, `-Infinity`.
 */
import {parquetMetadata, parquetRead, parquetSchema, type AsyncBuffer, type ColumnData, type Compressors, type FileMetaData, type ParquetParsers, type SchemaElement, type SchemaTree} from 'hyparquet'
import {compressors, decompressZstd} from 'hyparquet-compressors'
import {BlError, printable} from '../errors.js'
import {MAX_COLUMNS, type ByteSource, type Cell, type ColumnType, type TableReader, type TableRow} from './types.js'

const MAGIC = 'PAR1'
/** A footer bigger than this is not one bl reads (a hostile length, not metadata). */
const MAX_FOOTER = 64 * 1024 * 1024
/** One page, decompressed: writers aim at 1 MiB; beyond this it is a hostile header. */
const MAX_PAGE_BYTES = 256 * 1024 * 1024
/** Values in one page: old writers put a whole all-null column chunk (up to 64Mi rows) in one. */
const MAX_PAGE_VALUES = 1 << 26
/** Rows handed out per batch: enough to amortise the await, few enough to die young. */
const BATCH_ROWS = 4096

const HINT = 'The Parquet file is damaged, truncated or not Parquet; `bl fsck` checks the stored bytes, or the writer may have failed.'

/**
 * The most a page can grow when decompressed, by codec: a property of each format (snappy copies
 * ~21x, LZ4 ~255x, deflate 1032x, a zstd RLE block 32768x), so a header claiming more is a lie.
 * Brotli has no useful bound; MAX_PAGE_BYTES holds it.
 */
const EXPANSION: Record<string, number> = {UNCOMPRESSED: 1, SNAPPY: 32, LZ4: 256, LZ4_RAW: 256, GZIP: 1100, ZSTD: 32768, BROTLI: Infinity}

/**
 * zstd is given its output buffer: without one, fzstd allocates what the frame header claims (up
 * to 2 GiB). An empty LZ4 block (one zero byte, as Arrow writes an empty dictionary) is empty:
 * hyparquet-compressors 1.1 reads past its end and fails.
 */
const CODECS: Compressors = {
  ...compressors,
  ZSTD: (input, n) => decompressZstd(input, new Uint8Array(n)),
  LZ4: (input, n) => (n === 0 ? new Uint8Array(0) : compressors.LZ4!(input, n)),
  LZ4_RAW: (input, n) => (n === 0 ? new Uint8Array(0) : compressors.LZ4_RAW!(input, n)),
}

/** Dates and times as our strings, with their full precision (hyparquet's Dates stop at ms). */
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v) => isoTimestamp(BigInt(v), 1000n, 3),
  timestampFromMicroseconds: (v) => isoTimestamp(BigInt(v), 1_000_000n, 6),
  timestampFromNanoseconds: (v) => isoTimestamp(BigInt(v), 1_000_000_000n, 9),
  dateFromDays: (v) => isoDate(Number(v)),
  // A damaged JSON value is kept as its text rather than failing the whole file.
  jsonFromBytes: (b) => {
    const text = Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8')
    try {
      return JSON.parse(text) as unknown
    } catch {
      return text
    }
  },
}

function bad(src: ByteSource, what: string, cause?: unknown): BlError {
  return new BlError('BAD_TABLE', `${src.name}: ${what}`, {hint: HINT, data: {path: src.name}, cause})
}

function reason(err: unknown): string {
  return printable(err instanceof Error ? err.message : String(err), 160)
}

/** How one column's values become cells beyond the generic conversion. */
type Format = 'plain' | 'text' | 'date' | 'time-ms' | 'time-us' | 'time-ns'

interface Chunk {
  /** Dotted leaf path, for messages. */
  column: string
  start: number
  end: number
  codec: string
  /** No repeated field on its path: exactly one value (or null) per row. */
  flat: boolean
}

interface Group {
  /** 1-based, for messages. */
  number: number
  /** 0-based index of its first row in the file. */
  first: number
  rows: number
  chunks: Chunk[]
}

interface Leaf {
  element: SchemaElement
  flat: boolean
}

interface Layout {
  columns: string[]
  declaredTypes: ColumnType[]
  formats: Format[]
  groups: Group[]
  rowCount: number
}

export async function openParquet(src: ByteSource): Promise<TableReader> {
  const {metadata, dataEnd} = await readFooter(src)
  const layout = describe(src, metadata, dataEnd)
  const batches = (): AsyncIterable<TableRow[]> => readGroups(src, metadata, layout)
  return {
    format: 'parquet',
    columns: layout.columns,
    declaredTypes: layout.declaredTypes,
    rowCount: layout.rowCount,
    async *rows(): AsyncIterable<TableRow> {
      for await (const batch of batches()) yield* batch
    },
    batches,
  }
}

// ---- footer ----------------------------------------------------------------------------------

/** The footer, parsed; `dataEnd` is where it starts (column data lies before it). */
async function readFooter(src: ByteSource): Promise<{metadata: FileMetaData; dataEnd: number}> {
  if (src.size < 12) throw bad(src, `not a Parquet file: ${src.size} bytes, too short for one`)
  const [head, tail] = await Promise.all([src.read(0, 4), src.read(src.size - 8, src.size)])
  if (head.length !== 4 || tail.length !== 8) throw bad(src, 'truncated: the file ended while its header was read')
  if (head.toString('latin1') !== MAGIC) throw bad(src, 'not a Parquet file (no PAR1 marker at the start)')
  if (tail.subarray(4).toString('latin1') === 'PARE') throw bad(src, 'an encrypted Parquet file, which bl does not read')
  if (tail.subarray(4).toString('latin1') !== MAGIC) throw bad(src, 'truncated or not a Parquet file (no PAR1 marker at the end)')
  // Checked before anything is read: a hostile length must not become a read or an allocation.
  const length = tail.readUInt32LE(0)
  if (length + 12 > src.size) throw bad(src, `truncated: the footer claims ${length} bytes of a ${src.size}-byte file`)
  if (length > MAX_FOOTER) throw bad(src, `a footer of ${length} bytes is more than bl reads (${MAX_FOOTER})`)
  const dataEnd = src.size - 8 - length
  const footer = await src.read(dataEnd, src.size)
  if (footer.length !== length + 8) throw bad(src, 'truncated: the file ended while its footer was read')
  try {
    return {metadata: parquetMetadata(footer), dataEnd}
  } catch (err) {
    throw bad(src, `unreadable footer (${reason(err)})`, err)
  }
}

/** Columns, types and row groups from the footer, every number in it checked against the file. */
function describe(src: ByteSource, metadata: FileMetaData, dataEnd: number): Layout {
  let top: SchemaTree[]
  let leaves: Map<string, Leaf>
  try {
    top = parquetSchema(metadata).children
    leaves = leafColumns(top)
  } catch (err) {
    throw bad(src, `unreadable schema in the footer (${reason(err)})`, err)
  }
  if (top.length > MAX_COLUMNS) throw bad(src, `more than ${MAX_COLUMNS} columns`)
  const columns = top.map((c) => c.element.name)
  const seen = new Set<string>()
  for (const name of columns) {
    if (typeof name !== 'string') throw bad(src, 'a column without a name in the schema')
    if (seen.has(name)) throw bad(src, `column ${printable(name, 80)} appears twice in the schema`)
    seen.add(name)
  }
  const rowCount = count(metadata.num_rows)
  if (rowCount === null) throw bad(src, 'the footer holds an impossible row count')
  const groups = rowGroups(src, metadata, leaves, dataEnd)
  const held = groups.reduce((n, g) => n + g.rows, 0)
  if (held !== rowCount) throw bad(src, `the footer says ${rowCount} rows but its row groups hold ${held}`)
  return {columns, declaredTypes: top.map(columnType), formats: top.map(formatOf), groups, rowCount}
}

/** Every leaf column by its path (joined with NUL), and whether a repeated field lies on it. */
function leafColumns(top: SchemaTree[]): Map<string, Leaf> {
  const out = new Map<string, Leaf>()
  const walk = (node: SchemaTree, flat: boolean): void => {
    const here = flat && node.element.repetition_type !== 'REPEATED'
    if (node.children.length === 0) out.set(node.path.join('\0'), {element: node.element, flat: here})
    for (const child of node.children) walk(child, here)
  }
  for (const c of top) walk(c, true)
  return out
}

function rowGroups(src: ByteSource, metadata: FileMetaData, leaves: Map<string, Leaf>, dataEnd: number): Group[] {
  const groups: Group[] = []
  let first = 0
  for (const [i, g] of metadata.row_groups.entries()) {
    const number = i + 1
    const where = `row group ${number}`
    const rows = count(g.num_rows)
    if (rows === null) throw bad(src, `${where}: impossible row count`)
    // Never read (Arrow writes an empty table as one empty group whose chunks point nowhere).
    if (rows === 0) continue
    if (g.columns.length !== leaves.size) throw bad(src, `${where} has ${g.columns.length} column chunks for ${leaves.size} columns`)
    const chunks: Chunk[] = []
    const paths = new Set<string>()
    for (const c of g.columns) {
      if (c.file_path) throw bad(src, `${where}: column data in another file (${printable(String(c.file_path), 80)}) is not supported`)
      const m = c.meta_data
      const path = Array.isArray(m?.path_in_schema) ? m.path_in_schema.join('\0') : ''
      const leaf = leaves.get(path)
      if (!m || !leaf || paths.has(path)) throw bad(src, `${where}: a column chunk for an unknown or repeated column`)
      paths.add(path)
      const column = m.path_in_schema.join('.')
      if (m.type !== leaf.element.type) throw bad(src, `${where}, column ${printable(column, 80)}: stored as ${String(m.type)} but declared ${String(leaf.element.type)}`)
      // The same start hyparquet reads from: the dictionary page when there is one.
      const start = count(m.dictionary_page_offset || m.data_page_offset)
      const size = count(m.total_compressed_size)
      if (start === null || size === null || start < 4 || start + size > dataEnd) throw bad(src, `${where}, column ${printable(column, 80)}: its data lies outside the file`)
      chunks.push({column, start, end: start + size, codec: String(m.codec), flat: leaf.flat})
    }
    groups.push({number, first, rows, chunks})
    first += rows
  }
  return groups
}

/** A footer count or offset as a number: a non-negative safe integer, else null. */
function count(v: unknown): number | null {
  const n = typeof v === 'bigint' ? Number(v) : v
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null
}

// ---- types -----------------------------------------------------------------------------------

/** Our type for a top-level column: logical type first, then the legacy converted type, then the physical one. */
function columnType(c: SchemaTree): ColumnType {
  const e = c.element
  if (c.children.length > 0 || e.repetition_type === 'REPEATED') return 'json'
  switch (e.logical_type?.type) {
    case 'STRING':
    case 'ENUM':
    case 'UUID':
      return 'string'
    case 'JSON':
    case 'BSON':
    case 'VARIANT':
    case 'GEOMETRY':
    case 'GEOGRAPHY':
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

/**
 * Values hyparquet leaves raw that we still format: TIME (units since midnight), DATE by logical
 * type only (days), ENUM (bytes, as hyparquet only decodes STRING/UTF8 as text when `utf8` is off).
 */
function formatOf(c: SchemaTree): Format {
  const e = c.element
  if (c.children.length > 0) return 'plain'
  const lt = e.logical_type
  if (lt?.type === 'ENUM' || e.converted_type === 'ENUM') return 'text'
  if (lt?.type === 'TIME') return lt.unit === 'MILLIS' ? 'time-ms' : lt.unit === 'MICROS' ? 'time-us' : 'time-ns'
  if (e.converted_type === 'TIME_MILLIS') return 'time-ms'
  if (e.converted_type === 'TIME_MICROS') return 'time-us'
  if (lt?.type === 'DATE' || e.converted_type === 'DATE') return 'date'
  return 'plain'
}

// ---- rows ------------------------------------------------------------------------------------

async function* readGroups(src: ByteSource, metadata: FileMetaData, layout: Layout): AsyncIterable<TableRow[]> {
  for (const g of layout.groups) {
    const where = `row group ${g.number} (rows ${g.first + 1}-${g.first + g.rows})`
    for (const c of g.chunks) {
      if (!Object.hasOwn(EXPANSION, c.codec)) throw bad(src, `${where}, column ${printable(c.column, 80)}: unsupported compression ${printable(c.codec, 40)}`)
    }
    const pieces = new Map<string, ColumnData[]>()
    try {
      await parquetRead({
        file: groupFile(src, g),
        metadata,
        rowStart: g.first,
        rowEnd: g.first + g.rows,
        compressors: CODECS,
        parsers: PARSERS,
        // Unannotated BYTE_ARRAY is binary (as Arrow, Spark and DuckDB read it): base64, never a lossy decode.
        utf8: false,
        // Columns, not rows: they become rows below, a batch at a time.
        onChunk: (c) => {
          const list = pieces.get(c.columnName)
          if (list) list.push(c)
          else pieces.set(c.columnName, [c])
        },
      })
    } catch (err) {
      // Our own checks (and the source's I/O errors) are already typed.
      if (err instanceof BlError) throw err
      throw bad(src, `${where}: ${reason(err)}`, err)
    }
    const next = layout.columns.map((name) => {
      const read = cursor(pieces.get(name) ?? [], g.first, g.rows)
      if (typeof read === 'string') throw bad(src, `${where}, column ${printable(name, 80)}: ${read}`)
      return read
    })
    for (let at = 0; at < g.rows; at += BATCH_ROWS) {
      const n = Math.min(BATCH_ROWS, g.rows - at)
      const out: TableRow[] = new Array<TableRow>(n)
      for (let i = 0; i < n; i++) {
        const row = g.first + at + i + 1
        try {
          out[i] = {row, line: row, cells: next.map((read, c) => toCell(read(), layout.formats[c]!))}
        } catch (err) {
          throw bad(src, `row ${row}: ${reason(err)}`, err)
        }
      }
      yield out
    }
  }
}

/**
 * The group's rows of one column, in order, from the pieces hyparquet handed over; or what is
 * wrong when they do not cover the group exactly (a short column would otherwise read as nulls).
 */
function cursor(pieces: ColumnData[], first: number, rows: number): (() => unknown) | string {
  pieces.sort((a, b) => a.rowStart - b.rowStart)
  let end = first
  for (const p of pieces) {
    if (p.rowStart !== end) return `its values for rows ${end + 1}-${p.rowStart} are missing`
    end = p.rowEnd
  }
  if (end !== first + rows) return `it holds ${end - first} rows, the row group ${rows}`
  let piece = 0
  let at = 0
  return () => {
    while (at >= pieces[piece]!.columnData.length) {
      piece++
      at = 0
    }
    return pieces[piece]!.columnData[at++]
  }
}

/**
 * The file as hyparquet reads it for one row group. hyparquet fetches whole column chunks (several
 * small ones in one range); each chunk's page headers are checked as its bytes arrive, before any
 * page is decoded.
 */
function groupFile(src: ByteSource, g: Group): AsyncBuffer {
  return {
    byteLength: src.size,
    slice(start: number, end = src.size): Promise<ArrayBuffer> {
      const bytes = readChecked(src, g, start, end)
      // hyparquet starts its fetches before it knows it needs them all: one it never uses must
      // not reject unhandled (that ends the process). Those it uses still see the error.
      bytes.catch(() => {})
      return bytes
    },
  }
}

async function readChecked(src: ByteSource, g: Group, start: number, end: number): Promise<ArrayBuffer> {
  if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && end <= src.size)) {
    throw bad(src, `row group ${g.number}: column data at bytes ${start}-${end} lies outside the file`)
  }
  // As ArrayBuffer.slice: hyparquet's run of chunks stored out of order comes out reversed, and
  // its chunks are then read one by one.
  if (end <= start) return new ArrayBuffer(0)
  const b = await src.read(start, end)
  if (b.length !== end - start) throw bad(src, `truncated: bytes ${start}-${end} could not be read`)
  for (const c of g.chunks) {
    if (c.start < start || c.end > end) continue
    const problem = checkPages(b.subarray(c.start - start, c.end - start), c, g.rows)
    if (problem) throw bad(src, `row group ${g.number}, column ${printable(c.column, 80)}: ${problem}`)
  }
  // A buffer of its own is handed over as is; a view into a larger one is copied out.
  if (b.byteOffset === 0 && b.length === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer
}

// ---- page headers ----------------------------------------------------------------------------

const DATA_PAGE = 0
const DICTIONARY_PAGE = 2
const DATA_PAGE_V2 = 3

class PageProblem extends Error {}

/**
 * What is wrong with a column chunk's page headers, or null. hyparquet trusts them: a missing or
 * bad size makes its read position NaN, a huge one a huge allocation. Values must add up to the
 * group's rows (exactly for a flat column; at least for a repeated one, whose empty lists still
 * take one value).
 */
function checkPages(bytes: Uint8Array, c: Chunk, rows: number): string | null {
  let at = 0
  let values = 0
  const grow = EXPANSION[c.codec] ?? 1
  try {
    // Where hyparquet stops: with one byte left, or (flat columns) once it has the group's rows.
    while (at < bytes.length - 1 && !(c.flat && values >= rows)) {
      const r = new HeaderReader(bytes, at)
      const h = r.struct(0)
      at = r.at
      const type = int32(h, 1)
      const raw = int32(h, 2)
      const size = int32(h, 3)
      if (type === null || raw === null || size === null) return 'a page header without its type or sizes'
      if (size > bytes.length - at) return `a page of ${size} bytes runs past the end of the column data`
      if (raw > MAX_PAGE_BYTES || raw > size * grow + 1024) return `a page claims ${raw} bytes uncompressed from ${size}, more than bl reads`
      at += size
      const n = pageValues(type, h, size, raw)
      if (typeof n === 'string') return n
      values += n
    }
  } catch (err) {
    if (err instanceof PageProblem) return err.message
    throw err
  }
  if (c.flat ? values !== rows : values < rows) return `its pages hold ${values} values for ${rows} rows`
  return null
}

/** The values a page adds to its column (0 for a dictionary), or what is wrong with its header. */
function pageValues(type: number, h: Fields, size: number, raw: number): number | string {
  if (type === DICTIONARY_PAGE) {
    const n = int32(sub(h, 7), 1)
    return n === null || n > MAX_PAGE_VALUES ? 'a dictionary page header without a sane value count' : 0
  }
  if (type === DATA_PAGE) {
    const n = int32(sub(h, 5), 1)
    return n === null || n > MAX_PAGE_VALUES ? 'a data page header without a sane value count' : n
  }
  if (type === DATA_PAGE_V2) {
    const v2 = sub(h, 8)
    const [n, nulls, rows, defs, reps] = [1, 2, 3, 5, 6].map((id) => int32(v2, id) ?? -1) as [number, number, number, number, number]
    if (Math.min(n, nulls, rows, defs, reps) < 0 || n > MAX_PAGE_VALUES || nulls > n || rows > n) return 'a data page (v2) header without sane counts'
    if (defs + reps > size || defs + reps > raw) return 'a data page (v2) whose levels are larger than the page'
    return n
  }
  return `unsupported page type ${type}`
}

type Fields = Map<number, {type: number; value: number | Fields | null}>

function int32(h: Fields | null, id: number): number | null {
  const f = h?.get(id)
  // I16 or I32 (hyparquet reads both the same way); only non-negative counts and sizes are sane.
  if (!f || (f.type !== 4 && f.type !== 5) || typeof f.value !== 'number') return null
  return f.value >= 0 && f.value <= 0x7fffffff ? f.value : null
}

function sub(h: Fields, id: number): Fields | null {
  const f = h.get(id)
  return f && f.type === 12 && f.value instanceof Map ? f.value : null
}

/** Thrift compact protocol, just enough for page headers, with every read bounded. */
class HeaderReader {
  constructor(
    private readonly b: Uint8Array,
    public at: number,
  ) {}

  struct(depth: number): Fields {
    if (depth > 16) throw new PageProblem('a page header nested too deeply')
    const fields: Fields = new Map()
    let id = 0
    for (;;) {
      const head = this.byte()
      const type = head & 0x0f
      if (type === 0) return fields
      id = head >> 4 ? id + (head >> 4) : this.zigzag()
      fields.set(id, {type, value: this.value(type, depth)})
    }
  }

  private value(type: number, depth: number): number | Fields | null {
    switch (type) {
      case 1: // true
      case 2: // false
        return null
      case 3: // byte
        return this.byte()
      case 4: // i16
      case 5: // i32
      case 6: // i64
        return this.zigzag()
      case 7: // double
        return this.skip(8)
      case 8: // binary
        return this.skip(this.varint())
      case 9: {
        // list: each element takes at least one byte, so a huge count runs out of bytes, not time
        const head = this.byte()
        const size = head >> 4 === 15 ? this.varint() : head >> 4
        const elem = head & 0x0f
        for (let i = 0; i < size; i++) this.value(elem === 1 || elem === 2 ? 3 : elem, depth + 1)
        return null
      }
      case 12:
        return this.struct(depth + 1)
      default:
        throw new PageProblem(`a page header with a field of unknown type ${type}`)
    }
  }

  private byte(): number {
    if (this.at >= this.b.length) throw new PageProblem('a page header runs past the end of the column data')
    return this.b[this.at++]!
  }

  private skip(n: number): null {
    if (n > this.b.length - this.at) throw new PageProblem('a page header runs past the end of the column data')
    this.at += n
    return null
  }

  /** Unsigned LEB128, exact up to 2^53 (larger values only ever fail the range checks). */
  private varint(): number {
    let v = 0
    for (let shift = 0; shift < 70; shift += 7) {
      const x = this.byte()
      v += (x & 0x7f) * 2 ** shift
      if (x < 0x80) return v
    }
    throw new PageProblem('a page header with a malformed number')
  }

  private zigzag(): number {
    const v = this.varint()
    return v % 2 === 1 ? -(v + 1) / 2 : v / 2
  }
}

// ---- cells -----------------------------------------------------------------------------------

/** A value as hyparquet gives it, as one of our cells. */
function toCell(v: unknown, format: Format): Cell {
  if (v === undefined || v === null) return null
  if (format === 'text' && v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8')
  if (format !== 'plain' && format !== 'text' && (typeof v === 'number' || typeof v === 'bigint')) {
    if (format === 'date') return isoDate(Number(v))
    return isoTime(BigInt(v), format === 'time-ms' ? 3 : format === 'time-us' ? 6 : 9)
  }
  return plainCell(v)
}

function plainCell(v: unknown): Cell {
  if (v === undefined || v === null) return null
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v
    case 'number':
      return Number.isFinite(v) ? v : String(v)
    case 'bigint':
      return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString()
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('base64')
  if (Array.isArray(v)) return v.map(plainCell)
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, plainCell)
  if (typeof v === 'object') {
    const o: {[k: string]: Cell} = {}
    // defineProperty: a `__proto__` key stays a key (assignment would set the prototype).
    for (const [k, x] of Object.entries(v)) Object.defineProperty(o, k, {value: plainCell(x), enumerable: true, writable: true, configurable: true})
    return o
  }
  return String(v)
}

/** `YYYY-MM-DD` for days since 1970-01-01; the day count itself when no calendar date fits. */
function isoDate(days: number): string {
  const d = new Date(days * 86_400_000)
  if (!Number.isFinite(days) || Number.isNaN(d.getTime())) return String(days)
  const s = d.toISOString()
  return s.slice(0, s.indexOf('T'))
}

/** ISO 8601 in UTC with `digits` fraction digits, for `v` units of 1/`perSecond` s since the epoch. */
function isoTimestamp(v: bigint, perSecond: bigint, digits: number): string {
  let secs = v / perSecond
  let frac = v % perSecond
  if (frac < 0n) {
    frac += perSecond
    secs -= 1n
  }
  const d = new Date(Number(secs) * 1000)
  // Outside the years a Date holds: the raw count, not a wrong date.
  if (Number.isNaN(d.getTime())) return v.toString()
  return `${d.toISOString().slice(0, -5)}.${frac.toString().padStart(digits, '0')}Z`
}

/** `HH:MM:SS.fff` (3, 6 or 9 fraction digits) for a time of day; the raw count when out of range. */
function isoTime(v: bigint, digits: number): string {
  const perSecond = 10n ** BigInt(digits)
  if (v < 0n || v >= 86_400n * perSecond) return v.toString()
  const secs = Number(v / perSecond)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${two(Math.floor(secs / 3600))}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}.${(v % perSecond).toString().padStart(digits, '0')}`
}
