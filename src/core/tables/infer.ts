/**
 * Type inference for cells. Text formats (CSV/TSV) carry strings: a cell is `integer`, `number`,
 * `boolean`, `date` (YYYY-MM-DD), `timestamp` (ISO 8601 date and time) or `string`; an empty cell
 * and the usual spellings of "missing" (NA, N/A, null, NULL, NaN) are nulls. JSON values keep their
 * own type; a JSON string is only ever a string, date or timestamp. A column's type is the
 * narrowest one that holds all its values (integer + number = number, date + timestamp =
 * timestamp, anything else mixed = string).
 */
import type {Cell, ColumnType} from './types.js'

const NULLS = new Set(['', 'NA', 'N/A', 'n/a', 'null', 'NULL', 'Null', 'NaN', 'nan'])
const BOOLS = new Map<string, boolean>([
  ['true', true],
  ['false', false],
  ['TRUE', true],
  ['FALSE', false],
  ['True', true],
  ['False', false],
])
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/
const TIMESTAMP_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$/

export function isNullText(s: string): boolean {
  return NULLS.has(s)
}

/** The type of a text cell (CSV/TSV). Cheap checks on the first character come before any regex. */
export function inferType(s: string): ColumnType {
  if (s.length === 0 || NULLS.has(s)) return 'null'
  const c = s.charCodeAt(0)
  const digit = c >= 48 && c <= 57
  if (digit || c === 43 /* + */ || c === 45 /* - */ || c === 46 /* . */) {
    const k = numberKind(s)
    // Any digits are an integer, also beyond 2^53 (stats keep those exact, as Parquet's INT64).
    if (k === 1) return 'integer'
    if (k === 2) return 'number'
    if (k === 3 && NUMBER_RE.test(s)) return 'number'
    if (digit && s.length === 10 && DATE_RE.test(s)) return 'date'
    if (digit && s.length > 10 && TIMESTAMP_RE.test(s)) return 'timestamp'
    return 'string'
  }
  if (BOOLS.has(s)) return 'boolean'
  return 'string'
}

/**
 * 1: digits with an optional sign; 2: a plain decimal (`-12.5`, `.5`, `3.`); 3: maybe an exponent
 * form (left to the regex); 0: not a number. A hand scan: most numeric cells never reach a regex.
 */
function numberKind(s: string): 0 | 1 | 2 | 3 {
  let i = s.charCodeAt(0) === 43 || s.charCodeAt(0) === 45 ? 1 : 0
  let digits = 0
  let dots = 0
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) digits++
    else if (c === 46) {
      if (++dots > 1) return 0
    } else return c === 101 || c === 69 ? 3 : 0
  }
  if (digits === 0) return 0
  return dots === 0 ? 1 : 2
}

/** The type of any cell: text is inferred, JSON values keep their type. */
export function typeOf(cell: Cell, text: boolean): ColumnType {
  if (cell === null) return 'null'
  if (typeof cell === 'string') {
    if (text) return inferType(cell)
    if (cell.length === 10 && DATE_RE.test(cell)) return 'date'
    if (cell.length > 10 && TIMESTAMP_RE.test(cell)) return 'timestamp'
    return 'string'
  }
  if (typeof cell === 'number') return Number.isSafeInteger(cell) ? 'integer' : 'number'
  if (typeof cell === 'boolean') return 'boolean'
  return 'json'
}

/** A cell's value as its type: numbers and booleans of text cells parsed, nulls as null. */
export function valueOf(cell: Cell, type: ColumnType): Cell {
  if (typeof cell !== 'string') return cell
  switch (type) {
    case 'null':
      return null
    case 'integer':
    case 'number':
      return Number(cell)
    case 'boolean':
      return BOOLS.get(cell) ?? null
    default:
      return cell
  }
}

/**
 * One spelling per value of a text cell of type `type` (`TRUE` -> `true`, `1.0` and `1e0` -> `1`),
 * so distinct counts and top values count values, not spellings. Other types keep their text.
 */
export function canonicalText(s: string, type: ColumnType): string {
  switch (type) {
    case 'boolean':
      return String(BOOLS.get(s))
    case 'integer': {
      const v = Number(s)
      return Number.isSafeInteger(v) ? String(v) : BigInt(s).toString()
    }
    case 'number':
      return String(Number(s))
    default:
      return s
  }
}

const INSTANT_RE = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d\d):?(\d\d))?)?$/

/**
 * A date or timestamp as a key that sorts by instant (its text sorts by wall-clock time, whatever
 * its UTC offset): UTC milliseconds, fixed-width, then the sub-millisecond digits. A timestamp
 * without an offset, and a date (its midnight), count as UTC. Null for other text.
 */
export function instantKey(s: string): string | null {
  const m = INSTANT_RE.exec(s)
  if (!m) return null
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', sign, oh = '0', om = '0'] = m
  const off = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000 : 0
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number(frac.slice(0, 3).padEnd(3, '0'))) - off
  // Offset so that every representable date is non-negative, and so sorts as text.
  return String(ms + 8.64e15).padStart(17, '0') + frac.slice(3).padEnd(6, '0')
}

/** The narrowest type holding values of both types. */
export function widen(a: ColumnType, b: ColumnType): ColumnType {
  if (a === b || b === 'null') return a
  if (a === 'null') return b
  if ((a === 'integer' && b === 'number') || (a === 'number' && b === 'integer')) return 'number'
  if ((a === 'date' && b === 'timestamp') || (a === 'timestamp' && b === 'date')) return 'timestamp'
  return 'string'
}
