/**
 * Tables inside files (issue 7): CSV/TSV, JSON, JSONL and Parquet read as rows of typed cells, so
 * preview, stats, schema and row diffs work the same on every format. Readers stream: a table is
 * an async iterable of rows, never an array, so a 1 GiB file never needs 1 GiB of memory.
 */

/** More columns than this is not a table bl reads (a runaway header or record, not data). */
export const MAX_COLUMNS = 10_000

export type TableFormat = 'csv' | 'tsv' | 'json' | 'jsonl' | 'parquet'

/** One value. Text formats yield strings (typed later by inference); JSON and Parquet their own types. */
export type Cell = string | number | boolean | null | Cell[] | {[k: string]: Cell}

/**
 * Inferred (or, for Parquet, declared) column types, from narrow to wide. `null`: no value seen
 * yet. `json`: nested arrays/objects.
 */
export type ColumnType = 'null' | 'boolean' | 'integer' | 'number' | 'date' | 'timestamp' | 'string' | 'json'

export interface TableRow {
  /** 1-based data row number (the header is not a row). */
  row: number
  /** 1-based line where the row starts in a CSV/TSV/JSONL file; for JSON documents and Parquet the row number. */
  line: number
  /** One cell per column, in `columns` order (missing JSON fields are null). */
  cells: Cell[]
}

export interface TableInfo {
  format: TableFormat
  /** Column names in file order. CSV without a header: `column1`, `column2`, ... */
  columns: string[]
  /** CSV/TSV: the field delimiter found by sniffing. */
  delimiter?: string
  /** CSV/TSV: whether the first line was taken as a header. */
  header?: boolean
  /** Parquet: the types the file declares (same order as columns); rows are known up front. */
  declaredTypes?: ColumnType[]
  rowCount?: number
}

export interface TableReader extends TableInfo {
  /** The rows, streamed; each call starts again from the first row. */
  rows(): AsyncIterable<TableRow>
  /** The same rows in batches (one await per batch, not per row): for full scans of big files. */
  batches?(): AsyncIterable<TableRow[]>
}

/** A file's bytes: streamed front to back, or read by range (Parquet's footer and column chunks). */
export interface ByteSource {
  /** For messages: `<rev>:<path>` or the work-tree path. */
  readonly name: string
  readonly size: number
  stream(): AsyncIterable<Buffer>
  read(start: number, end: number): Promise<Buffer>
}
