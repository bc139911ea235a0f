/**
 * Row-level differences between two versions of a table, streamed: neither version is ever held
 * in memory, only a short hash per row (and, with a key, the key) of the old one.
 *
 * - Keyed (`key` columns): pass 1 over the old table maps each key to its row's hash; pass 2 streams
 *   the new table: a key the old one lacks is an added row, a different hash a changed row; old
 *   keys never met are removed rows. A key value seen twice in one version is DUPLICATE_KEY.
 * - Without a key: the old rows' hashes are counted (a multiset); each new row takes one of its
 *   hash or is added; the hashes left over are removed rows. Nothing is "changed".
 *
 * Rows compare on the columns both versions have (by name), cells as written (CSV text "1.0" and
 * "1" differ). Columns added, removed and retyped are reported on their own; types are inferred
 * while the rows stream (the same inference `bl stats` uses; Parquet declares its own). Cells of
 * the rows reported (at most `limit` per kind) are collected by a last pass over the old table,
 * only when asked for, so memory stays bounded by the output.
 */
import {BlError} from '../errors.js'
import {typeOf, widen} from './infer.js'
import type {Cell, ColumnType, TableReader, TableRow} from './types.js'

export interface RowDiffSide {
  /** The table; null when the file does not exist in this version (no rows, no columns). */
  reader: TableReader | null
  /** Names this version in messages: `HEAD`, `v1`, `the work tree`. */
  label: string
  /** The revision in `error.data.rev`: null is the work tree, as `rev` in `bl diff --rows --json`; absent: the label. */
  rev?: string | null
}

export interface RowDiffOptions {
  /** Key columns; null or empty: rows are matched by content. */
  key?: string[] | null
  /** Rows of each kind to return with their cells (Infinity: all; 0: counts only, fastest). */
  limit?: number
  /** The file, for messages. */
  path: string
}

export interface SideSummary {
  /** Data rows (0 for a missing file). */
  rows: number
  columns: string[]
  types: ColumnType[]
}

export interface ColumnChanges {
  added: string[]
  removed: string[]
  retyped: Array<{name: string; from: ColumnType; to: ColumnType}>
}

export interface RowRecord {
  /** Line where the row starts (CSV/TSV/JSONL); the row number for JSON documents and Parquet. */
  line: number
  /** Every cell of the row, by column name. */
  cells: Record<string, Cell>
}

export interface CellChange {
  column: string
  old: Cell
  new: Cell
}

export interface ChangedRow {
  key: Record<string, Cell>
  oldLine: number
  newLine: number
  /** The common columns whose cells differ, in the old table's column order. */
  cells: CellChange[]
}

export interface RowDiffResult {
  key: string[] | null
  from: SideSummary
  to: SideSummary
  columns: ColumnChanges
  counts: {added: number; removed: number; changed: number}
  /** In the new table's order. */
  added: RowRecord[]
  /** In the old table's order. */
  removed: RowRecord[]
  /** In the new table's order. */
  changed: ChangedRow[]
  /** Some kind has more rows than were returned (`limit`). */
  truncated: boolean
}

// ---- hashing ----------------------------------------------------------------------------------

/**
 * A 53-bit hash of the cells at `cols` (an exact double, so it keys a Map without allocating):
 * two 32-bit multiplicative hashes over each cell's type tag, length and characters, finished
 * with murmur3's mixer. Distinct rows collide with probability ~n²/2^54 (1e-4 for 1e6 rows).
 */
export function rowHash(cells: Cell[], cols: readonly number[]): number {
  let h1 = 0x811c9dc5
  let h2 = 0x6a09e667
  for (let k = 0; k < cols.length; k++) {
    const c = cells[cols[k]!]
    let s: string
    let tag: number
    if (typeof c === 'string') {
      s = c
      tag = 1
    } else if (c === null || c === undefined) {
      s = ''
      tag = 2
    } else if (typeof c === 'number') {
      s = String(c)
      tag = 3
    } else if (typeof c === 'boolean') {
      s = c ? 't' : 'f'
      tag = 4
    } else if (typeof c === 'bigint') {
      // Not a Cell, but a reader passing a 64-bit integer through must not break the diff.
      s = String(c)
      tag = 3
    } else {
      s = json(c)
      tag = 5
    }
    const n = s.length
    h1 = Math.imul(h1 ^ (tag * 0x10001 + n), 0x01000193)
    h2 = Math.imul(h2 ^ (n * 8 + tag), 0x5bd1e995)
    h2 ^= h2 >>> 15
    for (let i = 0; i < n; i++) {
      const ch = s.charCodeAt(i)
      h1 = Math.imul(h1 ^ ch, 0x01000193)
      h2 = Math.imul(h2 ^ ch, 0x5bd1e995)
      h2 ^= h2 >>> 15
    }
  }
  h1 = fmix(h1)
  h2 = fmix(h2 ^ 0x9e3779b9)
  return (h1 >>> 0) * 0x200000 + (h2 >>> 11)
}

/** JSON text of a cell (64-bit integers as numbers' text, should a reader pass them through). */
function json(c: unknown): string {
  return JSON.stringify(c, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null'
}

function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h
}

/** Cells are equal as written: same type and text (JSON values by their serialization). */
export function sameCell(a: Cell | undefined, b: Cell | undefined): boolean {
  if (a === b) return true
  if (a === undefined || b === undefined) return (a ?? null) === (b ?? null)
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b)
  return json(a) === json(b)
}

// ---- the diff ----------------------------------------------------------------------------------

const EMPTY: TableReader = {
  format: 'csv',
  columns: [],
  async *rows() {},
}

/** Batches of rows: the reader's own batching when it has it (one await per batch). */
async function* batchesOf(reader: TableReader): AsyncIterable<TableRow[]> {
  if (reader.batches) {
    yield* reader.batches()
    return
  }
  let batch: TableRow[] = []
  for await (const r of reader.rows()) {
    batch.push(r)
    if (batch.length >= 1024) {
      yield batch
      batch = []
    }
  }
  if (batch.length) yield batch
}

/** Column types inferred as rows stream by (Parquet: declared, nothing to infer). */
class TypeTracker {
  readonly types: ColumnType[] = []
  private readonly text: boolean
  private readonly declared: boolean

  constructor(private readonly reader: TableReader) {
    this.text = reader.format === 'csv' || reader.format === 'tsv'
    this.declared = Boolean(reader.declaredTypes)
  }

  add(cells: Cell[]): void {
    if (this.declared) return
    const types = this.types
    while (types.length < cells.length) types.push('null')
    for (let i = 0; i < cells.length; i++) {
      const t = types[i]!
      // Nothing widens a text column further.
      if (t === 'string') continue
      const c = cells[i]!
      if (c === null) continue
      types[i] = widen(t, typeOf(c, this.text))
    }
  }

  result(): ColumnType[] {
    const n = this.reader.columns.length
    if (this.reader.declaredTypes) return this.reader.declaredTypes.slice(0, n)
    return Array.from({length: n}, (_, i) => this.types[i] ?? 'null')
  }
}

/** A row's cells by column name (own properties even for names like `__proto__`). */
function record(columns: readonly string[], cells: Cell[]): Record<string, Cell> {
  const o = Object.create(null) as Record<string, Cell>
  for (let i = 0; i < columns.length; i++) o[columns[i]!] = cells[i] ?? null
  return o
}

/**
 * A key value as a Map key: a lone text cell as itself (as a number when it is an integer written
 * the canonical way, `42` but not `042`: a number keys a Map faster and in less memory), anything
 * else as JSON behind a \u0001 (so types stay apart: text "5" and the JSON number 5 differ).
 */
function keyString(cells: Cell[], cols: readonly number[]): string | number {
  if (cols.length === 1) {
    const c = cells[cols[0]!]
    if (typeof c === 'string' && c.charCodeAt(0) !== 1) return intKey(c)
    return '\u0001' + json(c ?? null)
  }
  const parts: Cell[] = new Array(cols.length)
  for (let i = 0; i < cols.length; i++) parts[i] = cells[cols[i]!] ?? null
  return '\u0001' + json(parts)
}

/** `s` as a number when it is a canonical integer of at most 15 digits (exact in a double), else `s`. */
function intKey(s: string): string | number {
  const n = s.length
  if (n === 0 || n > 15) return s
  const neg = s.charCodeAt(0) === 45
  let i = neg ? 1 : 0
  if (i >= n || (s.charCodeAt(i) === 48 && n !== 1)) return s
  let v = 0
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return s
    v = v * 10 + d
  }
  return neg ? -v : v
}

function keyText(cells: Cell[], cols: readonly number[], names: readonly string[]): string {
  return cols.map((c, i) => `${names[i]}=${json(cells[c] ?? null)}`).join(', ')
}

function lineList(a: number, b: number): string {
  return `lines ${a} and ${b}`
}

function commonColumns(oldCols: readonly string[], newCols: readonly string[]): {names: string[]; oldIdx: number[]; newIdx: number[]} {
  const newIndex = new Map(newCols.map((c, i) => [c, i]))
  const names: string[] = []
  const oldIdx: number[] = []
  const newIdx: number[] = []
  oldCols.forEach((c, i) => {
    const j = newIndex.get(c)
    if (j !== undefined) {
      names.push(c)
      oldIdx.push(i)
      newIdx.push(j)
    }
  })
  return {names, oldIdx, newIdx}
}

function keyIndexes(reader: TableReader, key: string[], side: RowDiffSide, path: string): number[] {
  const missing = key.filter((k) => !reader.columns.includes(k))
  if (missing.length)
    throw new BlError('INVALID_ARGUMENT', `${path}: no key column ${missing.map((m) => `"${m}"`).join(', ')} in ${side.label} (columns: ${reader.columns.slice(0, 30).join(', ')}${reader.columns.length > 30 ? ', ...' : ''})`, {
      hint: 'Name key columns both versions have, comma-separated: --key id or --key id,date.',
      data: {path, rev: side.rev === undefined ? side.label : side.rev, missing, columns: reader.columns},
    })
  return key.map((k) => reader.columns.indexOf(k))
}

export async function diffRows(oldSide: RowDiffSide, newSide: RowDiffSide, opts: RowDiffOptions): Promise<RowDiffResult> {
  const key = opts.key && opts.key.length ? [...new Set(opts.key)] : null
  const limit = opts.limit ?? Infinity
  if (!(limit >= 0)) throw new BlError('INVALID_ARGUMENT', `--limit must be 0 or more, got ${limit}`, {hint: 'e.g. --limit 20.'})
  const oldR = oldSide.reader ?? EMPTY
  const newR = newSide.reader ?? EMPTY
  if (key) {
    if (oldSide.reader) keyIndexes(oldR, key, oldSide, opts.path)
    if (newSide.reader) keyIndexes(newR, key, newSide, opts.path)
  }
  // JSONL finds columns while reading: when a column both versions have turns up only after
  // the first records, the comparison is run again with it (once: the lists are complete then).
  for (let attempt = 0; ; attempt++) {
    const common = commonColumns(oldR.columns, newR.columns)
    const res = key ? await keyed(oldR, newR, oldSide, newSide, key, common, limit, opts.path) : await unkeyed(oldR, newR, common, limit, oldSide.reader !== null && newSide.reader !== null)
    if (attempt === 0 && commonColumns(oldR.columns, newR.columns).names.length !== common.names.length) continue
    return res
  }
}

interface Common {
  names: string[]
  oldIdx: number[]
  newIdx: number[]
}

function finish(oldR: TableReader, newR: TableReader, oldTypes: TypeTracker, newTypes: TypeTracker, oldRows: number, newRows: number, key: string[] | null): Pick<RowDiffResult, 'key' | 'from' | 'to' | 'columns'> {
  const from = {rows: oldRows, columns: [...oldR.columns], types: oldTypes.result()}
  const to = {rows: newRows, columns: [...newR.columns], types: newTypes.result()}
  return {key, from, to, columns: columnChanges(from, to)}
}

/** Columns added, removed and retyped from one version's columns (with types) to another's. */
export function columnChanges(from: {columns: readonly string[]; types: readonly ColumnType[]}, to: {columns: readonly string[]; types: readonly ColumnType[]}): ColumnChanges {
  const oldSet = new Set(from.columns)
  const newType = new Map(to.columns.map((c, i) => [c, to.types[i]!]))
  const retyped: ColumnChanges['retyped'] = []
  from.columns.forEach((c, i) => {
    const t = newType.get(c)
    if (t !== undefined && t !== from.types[i]) retyped.push({name: c, from: from.types[i]!, to: t})
  })
  return {added: to.columns.filter((c) => !oldSet.has(c)), removed: from.columns.filter((c) => !newType.has(c)), retyped}
}

async function keyed(oldR: TableReader, newR: TableReader, oldSide: RowDiffSide, newSide: RowDiffSide, key: string[], common: Common, limit: number, path: string): Promise<RowDiffResult> {
  const oldKey = oldSide.reader ? keyIndexes(oldR, key, oldSide, path) : []
  const newKey = newSide.reader ? keyIndexes(newR, key, newSide, path) : []
  const dup = (side: RowDiffSide, cells: Cell[], cols: number[], a: number, b: number): BlError => {
    const value = keyText(cells, cols, key)
    return new BlError('DUPLICATE_KEY', `${path}: key (${key.join(', ')}) = ${value.length > 200 ? value.slice(0, 200) + '...' : value} appears on ${lineList(a, b)} of ${side.label}`, {
      hint: 'Use a key that is unique per row, e.g. --key id,date',
      data: {path, rev: side.rev === undefined ? side.label : side.rev, key, value: Object.fromEntries(cols.map((c, i) => [key[i]!, cells[c] ?? null])), lines: [a, b]},
    })
  }

  // Pass 1: the old table. Slot i is the old table's i-th row.
  const slotOf = new Map<string | number, number>()
  const hashes: number[] = []
  const oldLines: number[] = []
  const oldTypes = new TypeTracker(oldR)
  for await (const batch of batchesOf(oldR)) {
    for (const r of batch) {
      const cells = r.cells
      const k = keyString(cells, oldKey)
      const prev = slotOf.get(k)
      if (prev !== undefined) throw dup(oldSide, cells, oldKey, oldLines[prev]!, r.line)
      slotOf.set(k, hashes.length)
      hashes.push(rowHash(cells, common.oldIdx))
      oldLines.push(r.line)
      oldTypes.add(cells)
    }
  }
  const oldRows = hashes.length

  // Pass 2: the new table.
  const newLines = new Float64Array(oldRows) // 0: key not (yet) met in the new table
  const addedLines = new Map<string | number, number>()
  const newTypes = new TypeTracker(newR)
  const added: RowRecord[] = []
  const pendingChanged: Array<{slot: number; newLine: number; cells: Cell[]}> = []
  let addedCount = 0
  let changedCount = 0
  let seen = 0
  let newRows = 0
  for await (const batch of batchesOf(newR)) {
    for (const r of batch) {
      newRows++
      const cells = r.cells
      newTypes.add(cells)
      const k = keyString(cells, newKey)
      const slot = slotOf.get(k)
      if (slot === undefined) {
        const prev = addedLines.get(k)
        if (prev !== undefined) throw dup(newSide, cells, newKey, prev, r.line)
        addedLines.set(k, r.line)
        addedCount++
        if (added.length < limit) added.push({line: r.line, cells: record(newR.columns, cells)})
        continue
      }
      if (newLines[slot] !== 0) throw dup(newSide, cells, newKey, newLines[slot]!, r.line)
      newLines[slot] = r.line
      seen++
      if (rowHash(cells, common.newIdx) !== hashes[slot]) {
        changedCount++
        if (pendingChanged.length < limit) pendingChanged.push({slot, newLine: r.line, cells})
      }
    }
  }
  addedLines.clear()
  slotOf.clear()
  const removedCount = oldRows - seen

  // Pass 3 (only for output): the old cells of the changed and removed rows reported.
  const wanted = new Map<number, {kind: 'changed' | 'removed'; cells?: Cell[]}>()
  for (const p of pendingChanged) wanted.set(p.slot, {kind: 'changed'})
  let removedWanted = 0
  for (let slot = 0; slot < oldRows && removedWanted < Math.min(limit, removedCount); slot++) {
    if (newLines[slot] === 0) {
      wanted.set(slot, {kind: 'removed'})
      removedWanted++
    }
  }
  if (wanted.size) {
    let slot = 0
    let left = wanted.size
    scan: for await (const batch of batchesOf(oldR)) {
      for (const r of batch) {
        const w = wanted.get(slot++)
        if (w) {
          w.cells = r.cells
          if (--left === 0) break scan
        }
      }
    }
  }
  const removed: RowRecord[] = []
  for (const [slot, w] of [...wanted].sort((a, b) => a[0] - b[0])) if (w.kind === 'removed') removed.push({line: oldLines[slot]!, cells: record(oldR.columns, w.cells ?? [])})
  const changed: ChangedRow[] = pendingChanged.map((p) => {
    const oldCells = wanted.get(p.slot)!.cells ?? []
    const cells: CellChange[] = []
    for (let i = 0; i < common.names.length; i++) {
      const o = oldCells[common.oldIdx[i]!] ?? null
      const n = p.cells[common.newIdx[i]!] ?? null
      if (!sameCell(o, n)) cells.push({column: common.names[i]!, old: o, new: n})
    }
    return {key: Object.fromEntries(newKey.map((c, i) => [key[i]!, p.cells[c] ?? null])), oldLine: oldLines[p.slot]!, newLine: p.newLine, cells}
  })
  return {
    ...finish(oldR, newR, oldTypes, newTypes, oldRows, newRows, key),
    counts: {added: addedCount, removed: removedCount, changed: changedCount},
    added,
    removed,
    changed,
    truncated: addedCount > added.length || removedCount > removed.length || changedCount > changed.length,
  }
}

async function unkeyed(oldR: TableReader, newR: TableReader, common: Common, limit: number, bothExist: boolean): Promise<RowDiffResult> {
  // With no column in common no two rows are alike: every old row is removed, every new one added.
  const comparable = bothExist && common.names.length > 0
  const counts = new Map<number, number>()
  const oldTypes = new TypeTracker(oldR)
  let oldRows = 0
  for await (const batch of batchesOf(oldR)) {
    for (const r of batch) {
      oldRows++
      oldTypes.add(r.cells)
      if (!comparable) continue
      const h = rowHash(r.cells, common.oldIdx)
      counts.set(h, (counts.get(h) ?? 0) + 1)
    }
  }
  const newTypes = new TypeTracker(newR)
  const added: RowRecord[] = []
  let addedCount = 0
  let newRows = 0
  for await (const batch of batchesOf(newR)) {
    for (const r of batch) {
      newRows++
      newTypes.add(r.cells)
      if (comparable) {
        const h = rowHash(r.cells, common.newIdx)
        const c = counts.get(h)
        if (c !== undefined) {
          if (c === 1) counts.delete(h)
          else counts.set(h, c - 1)
          continue
        }
      }
      addedCount++
      if (added.length < limit) added.push({line: r.line, cells: record(newR.columns, r.cells)})
    }
  }
  let removedCount = 0
  if (comparable) for (const c of counts.values()) removedCount += c
  else removedCount = oldRows
  // The old rows left over: the first ones of each hash, in the old table's order.
  const removed: RowRecord[] = []
  const want = Math.min(limit, removedCount)
  if (want > 0) {
    scan: for await (const batch of batchesOf(oldR)) {
      for (const r of batch) {
        if (comparable) {
          const h = rowHash(r.cells, common.oldIdx)
          const c = counts.get(h)
          if (c === undefined) continue
          if (c === 1) counts.delete(h)
          else counts.set(h, c - 1)
        }
        removed.push({line: r.line, cells: record(oldR.columns, r.cells)})
        if (removed.length >= want) break scan
      }
    }
  }
  return {
    ...finish(oldR, newR, oldTypes, newTypes, oldRows, newRows, null),
    counts: {added: addedCount, removed: removedCount, changed: 0},
    added,
    removed,
    changed: [],
    truncated: addedCount > added.length || removedCount > removed.length,
  }
}
