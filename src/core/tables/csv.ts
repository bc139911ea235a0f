/**
 * CSV and TSV, streamed: RFC 4180 quoting (delimiters, quotes and line breaks inside quoted
 * fields), `\n` or `\r\n` line ends, a UTF-8 BOM skipped, blank lines skipped. The delimiter and
 * whether the first line is a header are sniffed from the first 64 KiB. Bytes are scanned as
 * bytes and decoded per field, so the parser keeps only the current record in memory.
 */
import {isUtf8} from 'node:buffer'
import {BlError} from '../errors.js'
import {inferType} from './infer.js'
import {MAX_COLUMNS, type ByteSource, type Cell, type TableReader, type TableRow} from './types.js'

const QUOTE = 0x22
const LF = 0x0a
const CR = 0x0d
const CANDIDATES = [',', '\t', ';', '|']
const SNIFF_BYTES = 64 * 1024
const SNIFF_ROWS = 50
/** Bytes parsed per batch of rows. */
const PIECE = 128 * 1024

export interface CsvOptions {
  delimiter?: string
  /** Force the first line to be (true) or not be (false) a header; sniffed when undefined. */
  header?: boolean
}

export interface RawRecord {
  /** 1-based line where the record starts. */
  line: number
  fields: string[]
}

function bad(src: string, line: number, what: string, hint = 'Fix the file, or check the delimiter (`--delimiter`).'): BlError {
  return new BlError('BAD_TABLE', `${src}: line ${line}: ${what}`, {hint, data: {path: src, line}})
}

/**
 * Splits bytes into records. `push` takes the next piece of the file and returns the records it
 * completed; the unfinished one is kept for the next piece; `end` finishes the last one.
 */
export class CsvSplitter {
  private carry: Buffer | null = null
  /** Pieces pushed after `carry` that did not finish its record, kept apart until one does. */
  private pending: Buffer[] = []
  /** Where the record end scan of `carry` + `pending` stands (ScanState). */
  private scan = ScanState.Start
  private line = 1
  private first = true
  /** Bytes handed to the record parser so far: linear in the input (a test checks it). */
  parsedBytes = 0

  constructor(
    private readonly delim: number,
    private readonly name: string,
  ) {}

  push(chunk: Buffer, final = false): RawRecord[] {
    if (this.carry && !final) {
      // A record longer than a piece: find its end first, so the parser (and the copy joining
      // the pieces) runs once per record, not once per piece (quadratic in the record length).
      this.scan = scanRecordEnd(chunk, this.scan, this.delim)
      if (this.scan !== ScanState.Ended) {
        this.pending.push(chunk)
        return []
      }
    }
    let buf = this.carry ? Buffer.concat([this.carry, ...this.pending, chunk]) : chunk
    this.carry = null
    this.pending = []
    this.parsedBytes += buf.length
    if (this.first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3)
    if (this.first && buf.length > 0) this.first = false
    const out: RawRecord[] = []
    let pos = 0
    const n = buf.length
    while (pos < n) {
      const r = this.record(buf, pos, final)
      if (r === null) break // incomplete: wait for more bytes
      if (r.fields) {
        if (!isUtf8(buf.subarray(pos, r.end))) throw bad(this.name, this.line, 'not valid UTF-8', 'Convert the file to UTF-8.')
        out.push({line: this.line, fields: r.fields})
      }
      this.line += r.lines
      pos = r.end
    }
    if (pos < n) {
      this.carry = Buffer.from(buf.subarray(pos))
      this.scan = scanRecordEnd(this.carry, ScanState.Start, this.delim)
    }
    return out
  }

  end(): RawRecord[] {
    const out = this.carry ? this.push(Buffer.alloc(0), true) : []
    if (this.carry) throw bad(this.name, this.line, 'a quoted field is never closed', 'Close the quote, or double quotes inside a quoted field ("").')
    return out
  }

  /**
   * One record from `start`: its fields (null for a blank line), where the next one starts and
   * how many line breaks it spans; null when the bytes end first (unless `final`).
   */
  private record(buf: Buffer, start: number, final: boolean): {fields: string[] | null; end: number; lines: number} | null {
    const n = buf.length
    const d = this.delim
    const fields: string[] = []
    let lines = 0
    let p = start
    // A blank line is skipped (a trailing newline, or spacing between blocks).
    if (buf[p] === LF) return {fields: null, end: p + 1, lines: 1}
    if (buf[p] === CR && p + 1 < n && buf[p + 1] === LF) return {fields: null, end: p + 2, lines: 1}
    for (;;) {
      if (p < n && buf[p] === QUOTE) {
        // Quoted field: runs to the quote not followed by another quote.
        let q = p + 1
        let parts: string[] | null = null
        let from = q
        for (;;) {
          q = buf.indexOf(QUOTE, q)
          // Unclosed: more bytes may close it; at the end of the file `end` reports it.
          if (q < 0) return null
          if (q + 1 < n && buf[q + 1] === QUOTE) {
            ;(parts ??= []).push(buf.toString('utf8', from, q + 1))
            q += 2
            from = q
            continue
          }
          if (q + 1 >= n && !final) return null
          break
        }
        let text = buf.toString('utf8', from, q)
        if (parts) text = parts.join('') + text
        for (let i = p + 1; i < q; i++) if (buf[i] === LF) lines++
        p = q + 1
        // Anything between the closing quote and the delimiter is kept as written (`"a"b` -> `ab`).
        let e = p
        while (e < n && buf[e] !== d && buf[e] !== LF && !(buf[e] === CR && e + 1 < n && buf[e + 1] === LF)) e++
        if (e >= n && !final) return null
        if (e > p) text += buf.toString('utf8', p, e)
        fields.push(text)
        p = e
      } else {
        let e = p
        while (e < n) {
          const c = buf[e]!
          if (c === d || c === LF) break
          if (c === CR && e + 1 < n && buf[e + 1] === LF) break
          e++
        }
        if (e >= n && !final) return null
        fields.push(buf.toString('utf8', p, e))
        p = e
      }
      if (p >= n) return {fields, end: p, lines}
      if (buf[p] === d) {
        p++
        if (p >= n && !final) return null
        if (p >= n) {
          fields.push('')
          return {fields, end: p, lines}
        }
        continue
      }
      // End of line.
      return {fields, end: buf[p] === CR ? p + 2 : p + 1, lines: lines + 1}
    }
  }
}

/** Where a scan for the end of a record stands after some of its bytes. */
const enum ScanState {
  /** At the start of a field. */
  Start,
  /** In an unquoted field, or in text after a quoted field's closing quote. */
  Plain,
  Quoted,
  /** A quote inside a quoted field: the closing one unless the next byte is another quote. */
  QuoteInQuoted,
  /** A line feed outside quotes was met: the record ends in these bytes. */
  Ended,
}

/**
 * Resumes the scan for the record's end over the next bytes: the line feed `record` would end
 * the record at (or earlier, at worst costing a parse that waits for more bytes; never later).
 */
function scanRecordEnd(buf: Buffer, state: ScanState, delim: number): ScanState {
  let s = state
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!
    if (s === ScanState.Quoted) {
      // Most bytes of a long quoted field: jump to the next quote.
      const q = buf.indexOf(QUOTE, i)
      if (q < 0) return s
      i = q
      s = ScanState.QuoteInQuoted
      continue
    }
    if (s === ScanState.QuoteInQuoted) {
      if (c === QUOTE) {
        s = ScanState.Quoted
        continue
      }
      s = ScanState.Plain
    }
    if (c === LF) return ScanState.Ended
    if (c === delim) s = ScanState.Start
    else if (s === ScanState.Start) s = c === QUOTE ? ScanState.Quoted : ScanState.Plain
    else if (s === ScanState.Plain) {
      // The rest of a plain field: jump to its next delimiter or line feed.
      let j = i + 1
      while (j < buf.length && buf[j] !== LF && buf[j] !== delim) j++
      i = j - 1
    }
  }
  return s
}

/** Reads all records of `bytes` (a prefix of the file: the last, maybe cut, record is dropped). */
function sample(bytes: Buffer, delim: string, whole: boolean): RawRecord[] {
  try {
    return new CsvSplitter(delim.charCodeAt(0), '').push(bytes, whole)
  } catch {
    return [] // not UTF-8 in the sample: the read itself reports where
  }
}

/** The delimiter whose field count is the same on most sampled lines (and more than one field). */
export function sniffDelimiter(head: Buffer, whole: boolean, preferred: string, exclude: string[] = []): string {
  let best = preferred
  let bestScore = 0
  for (const d of [preferred, ...CANDIDATES.filter((c) => c !== preferred && !exclude.includes(c))]) {
    const recs = sample(head, d, whole).slice(0, SNIFF_ROWS)
    if (recs.length === 0) continue
    const counts = new Map<number, number>()
    for (const r of recs) counts.set(r.fields.length, (counts.get(r.fields.length) ?? 0) + 1)
    const [width, times] = [...counts].sort((a, b) => b[1] - a[1])[0]!
    if (width < 2) continue
    // Consistency first, then more columns; the preferred delimiter wins ties.
    const score = (times / recs.length) * 1000 + Math.min(width, 999)
    if (score > bestScore + 1e-9) {
      best = d
      bestScore = score
    }
  }
  return best
}

/**
 * A first line is a header unless it looks like data: a header names columns, so a number, a
 * boolean or a date in it means data (as spreadsheets and pandas users expect), and so does a
 * first line whose cells are typed like the rest of their columns when those are all text.
 */
export function sniffHeader(recs: RawRecord[]): boolean {
  const first = recs[0]
  if (!first) return true
  if (first.fields.some((f) => f !== '' && inferType(f) !== 'string')) return false
  const rest = recs.slice(1)
  if (rest.length === 0) return true
  // Some column is typed (numbers, dates...) below a text first cell: a header.
  for (let c = 0; c < first.fields.length; c++) {
    if (first.fields[c] === '') continue
    const types = new Set(rest.map((r) => (r.fields[c] === undefined || r.fields[c] === '' ? 'null' : inferType(r.fields[c]!))))
    types.delete('null')
    if (types.size > 0 && !types.has('string')) return true
  }
  if (first.fields.some((f) => f === '')) return false
  // All text: a header when its names are distinct and none recurs as a value below.
  const names = new Set(first.fields)
  if (names.size !== first.fields.length) return false
  return !rest.some((r) => r.fields.some((f, i) => f === first.fields[i]))
}

/**
 * `forced`: the format was named (`--format`), not detected: `tsv` is then tab-separated and `csv`
 * is sniffed among the other delimiters, and the format reported is the one named.
 */
export async function openCsv(src: ByteSource, format: 'csv' | 'tsv', opts: CsvOptions = {}, forced = false): Promise<TableReader> {
  let head = await src.read(0, SNIFF_BYTES)
  // A first line longer than the sniffed bytes (a very wide header, a huge first cell): read on
  // to its end, else no record is seen and the table has no columns. One record: memory stays bounded.
  while (head.length < src.size && head.indexOf(LF) < 0) head = await src.read(0, head.length * 2)
  const whole = head.length >= src.size
  if (opts.delimiter !== undefined && opts.delimiter.length !== 1)
    throw new BlError('INVALID_ARGUMENT', `the delimiter must be one character, got "${opts.delimiter}"`, {hint: 'e.g. --delimiter ";" or --delimiter "\\t".'})
  const delimiter = opts.delimiter ?? (forced && format === 'tsv' ? '\t' : sniffDelimiter(head, whole, format === 'tsv' ? '\t' : ',', forced ? ['\t'] : []))
  const recs = sample(head, delimiter, whole).slice(0, SNIFF_ROWS)
  const header = opts.header ?? sniffHeader(recs)
  const width = recs[0]?.fields.length ?? 0
  if (width > MAX_COLUMNS) throw bad(src.name, recs[0]!.line, `more than ${MAX_COLUMNS} columns`, 'A table has at most 10,000 columns; check the delimiter (`--delimiter`).')
  const columns = header && recs[0] ? uniqueNames(recs[0].fields) : Array.from({length: width}, (_, i) => `column${i + 1}`)
  const name = src.name
  return {
    format: forced ? format : delimiter === '\t' ? 'tsv' : format === 'tsv' && delimiter !== '\t' ? 'csv' : format,
    columns,
    delimiter,
    header,
    async *rows(): AsyncIterable<TableRow> {
      for await (const batch of batches()) yield* batch
    },
    batches,
  }

  async function* batches(): AsyncIterable<TableRow[]> {
    const sp = new CsvSplitter(delimiter.charCodeAt(0), name)
    let row = 0
    let skipHeader = header
    // The rows of a batch up to a ragged one are handed out before its error.
    const emit = (recs: RawRecord[]): {out: TableRow[]; error: BlError | null} => {
      const out: TableRow[] = []
      for (const r of recs) {
        if (skipHeader) {
          skipHeader = false
          continue
        }
        if (r.fields.length !== columns.length) return {out, error: bad(name, r.line, `expected ${columns.length} field${columns.length === 1 ? '' : 's'}, found ${r.fields.length}`)}
        out.push({row: ++row, line: r.line, cells: r.fields as Cell[]})
      }
      return {out, error: null}
    }
    for await (const chunk of src.stream()) {
      // Small batches: their rows die young instead of surviving into the old generation.
      for (let at = 0; at < chunk.length; at += PIECE) {
        const {out, error} = emit(sp.push(chunk.subarray(at, at + PIECE)))
        if (out.length) yield out
        if (error) throw error
      }
    }
    const {out, error} = emit(sp.end())
    if (out.length) yield out
    if (error) throw error
  }
}

/** Header names made unique (`a`, `a` -> `a`, `a_2`) and never empty, so columns can be addressed. */
export function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>()
  // Per name, the suffix to try next (every lower one is taken for good): a header of 10,000 equal
  // names is linear, where trying from 2 each time took 2.5 s (found by the fuzzer).
  const nextSuffix = new Map<string, number>()
  return names.map((raw, i) => {
    let n = raw.trim() === '' ? `column${i + 1}` : raw
    if (seen.has(n)) {
      let k = nextSuffix.get(raw) ?? 2
      while (seen.has(`${raw}_${k}`)) k++
      n = `${raw}_${k}`
      nextSuffix.set(raw, k + 1)
    }
    seen.add(n)
    return n
  })
}
