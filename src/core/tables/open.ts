/**
 * Which table format a file is (by its extension, else by its first bytes) and the reader for it.
 */
import {BlError} from '../errors.js'
import {openCsv, type CsvOptions} from './csv.js'
import {openJson, openJsonl} from './json.js'
import type {ByteSource, TableFormat, TableReader} from './types.js'

const BY_EXTENSION: Record<string, TableFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  parquet: 'parquet',
  pq: 'parquet',
}

export interface OpenOptions extends CsvOptions {
  format?: TableFormat
}

/** The format named by the file's extension, or null. */
export function formatOfPath(path: string): TableFormat | null {
  const m = /\.([A-Za-z0-9]+)$/.exec(path)
  return (m && BY_EXTENSION[m[1]!.toLowerCase()]) || null
}

/** The format by extension, else by content: Parquet's magic, or JSON's first character. */
export async function detectFormat(src: ByteSource, path: string): Promise<TableFormat | null> {
  const byName = formatOfPath(path)
  if (byName) return byName
  const head = await src.read(0, 4096)
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet'
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart()
  if (text.startsWith('[')) return 'json'
  if (text.startsWith('{')) {
    // One object per line (JSONL) or one document.
    const firstLine = text.split('\n', 1)[0]!.trim()
    try {
      JSON.parse(firstLine)
      return text.includes('\n') ? 'jsonl' : 'json'
    } catch {
      return 'json'
    }
  }
  return null
}

export async function openTable(src: ByteSource, path: string, opts: OpenOptions = {}): Promise<TableReader> {
  const format = opts.format ?? (await detectFormat(src, path))
  switch (format) {
    case 'csv':
    case 'tsv':
      return openCsv(src, format, opts, opts.format !== undefined)
    case 'jsonl':
      return openJsonl(src)
    case 'json':
      return openJson(src)
    case 'parquet': {
      // Loaded on first use: only Parquet needs the reader.
      const {openParquet} = await import('./parquet.js')
      return openParquet(src)
    }
    default:
      throw new BlError('NOT_A_TABLE', `${src.name} is not a table bl can read`, {
        hint: 'Tables are CSV, TSV, JSON, JSONL and Parquet files (by extension, or by content); `bl show <rev>:<path>` prints any file.',
        data: {path: src.name},
      })
  }
}
