/**
 * Cell-level merge of CSV/TSV rows and field-level merge of JSONL records, where Git's line merge
 * stops. When both sides edited the same row, Git sees one line changed twice and conflicts; a
 * table changed in two different columns of that row (a label fixed on one branch, a score
 * recomputed on the other) merges cell by cell, and a JSONL record field by field.
 *
 * Only in-place edits are merged this way: the three versions of a conflicting stretch must have
 * the same number of rows; a CSV/TSV row the same number of cells in each, no cell spanning lines;
 * a JSONL record one object per line with the same keys in the same order in each. Cells and
 * values keep their bytes (quotes, spacing, number spelling) and the row ours' line ending and
 * layout. Anything else, or the same cell or field changed differently, stays a conflict for the
 * line merge to mark.
 */

/** Delimiter for a path's table format, or undefined when it is not a delimited table. */
export function rowDelimiter(path: string): string | undefined {
  const p = path.toLowerCase()
  return p.endsWith('.csv') ? ',' : p.endsWith('.tsv') ? '\t' : undefined
}

/** Merges one row both sides changed (base, ours, theirs: a line each), or undefined when it conflicts. */
export type RowMerge = (base: string, ours: string, theirs: string) => string | undefined

/** The first line (header) of each version of a table, when each is known. */
export interface TableHeaders {
  base: string
  ours: string
  theirs: string
}

/**
 * How rows of a path's format merge below lines: CSV/TSV by cells, JSONL by fields; undefined for
 * other files. `headers` (read only when a row's versions have different numbers of cells) lets
 * a CSV/TSV row merge by column name when a side added or removed columns.
 */
export function rowMerger(path: string, headers?: () => TableHeaders | undefined): RowMerge | undefined {
  const delimiter = rowDelimiter(path)
  if (delimiter !== undefined) {
    let columns: Columns | undefined | null = null
    const byName = (): Columns | undefined => (columns === null ? (columns = columnsOf(headers?.(), delimiter)) : columns)
    return (b, o, t) => mergeCells(b, o, t, delimiter, byName)
  }
  const p = path.toLowerCase()
  return p.endsWith('.jsonl') || p.endsWith('.ndjson') ? mergeFields : undefined
}

/** A line's cells with their bytes (quotes kept) and its line ending; undefined when a quoted cell goes on past the line. */
function cells(line: string, delimiter: string): {cells: string[]; end: string} | undefined {
  const end = line.endsWith('\r\n') ? '\r\n' : line.endsWith('\n') ? '\n' : ''
  const body = line.slice(0, line.length - end.length)
  const out: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]
    if (ch === '"') quoted = !quoted
    else if (ch === delimiter && !quoted) {
      out.push(body.slice(start, i))
      start = i + 1
    }
  }
  if (quoted) return undefined
  out.push(body.slice(start))
  return {cells: out, end}
}

/** A row merged cell by cell, or undefined when a cell was changed differently (or the cells do not line up). */
function mergeCells(b: string, o: string, t: string, delimiter: string, byName: () => Columns | undefined): string | undefined {
  const [B, O, T] = [cells(b, delimiter), cells(o, delimiter), cells(t, delimiter)]
  if (!B || !O || !T) return undefined
  if (B.cells.length !== O.cells.length || O.cells.length !== T.cells.length) {
    const m = mergeByName(B.cells, O.cells, T.cells, byName())
    const end = mergedEnd(B.end, O.end, T.end)
    return m && end !== undefined ? m.join(delimiter) + end : undefined
  }
  const merged: string[] = []
  let kept = 0
  for (let k = 0; k < B.cells.length; k++) {
    const [cb, co, ct] = [B.cells[k]!, O.cells[k]!, T.cells[k]!]
    if (co === cb && ct === cb) kept++
    if (co === ct || ct === cb) merged.push(co)
    else if (co === cb) merged.push(ct)
    else return undefined
  }
  const end = mergedEnd(B.end, O.end, T.end)
  // A row neither side left a cell of is no edit of that row: a moved or rewritten one.
  return kept > 0 && end !== undefined ? merged.join(delimiter) + end : undefined
}

/** The line ending of a row merged below lines: the side that changed it (CRLF, a final newline) wins; both differently: undefined. */
function mergedEnd(b: string, o: string, t: string): string | undefined {
  return o === t || t === b ? o : o === b ? t : undefined
}

/**
 * The columns of a table whose sides added or removed some: each version's column positions by
 * name, and the merged table's columns in order. One side kept the base's columns: the other's,
 * in its order. Both changed them: ours', less those theirs removed, then those theirs added.
 */
interface Columns {
  merged: string[]
  inMerged: Set<string>
  base: Map<string, number>
  ours: Map<string, number>
  theirs: Map<string, number>
}

function columnsOf(headers: TableHeaders | undefined, delimiter: string): Columns | undefined {
  if (!headers) return undefined
  const lists = [headers.base, headers.ours, headers.theirs].map((h) => cells(h, delimiter)?.cells)
  const maps = lists.map((l) => l && new Map(l.map((name, k) => [name, k])))
  // Column names must tell columns apart in every version.
  if (lists.some((l, k) => !l || maps[k]!.size !== l.length)) return undefined
  const [B, O, T] = lists as [string[], string[], string[]]
  const [bm, om, tm] = maps as [Map<string, number>, Map<string, number>, Map<string, number>]
  const same = (x: string[], y: string[]): boolean => x.length === y.length && x.every((c, k) => c === y[k])
  // Each side only added or only removed columns, the base's in their order: a column renamed
  // (one removed, one added) or moved would put a row one side left alone in another layout.
  for (const [S, sm] of [[O, om], [T, tm]] as const) {
    const kept = S.filter((c) => bm.has(c))
    if (!same(kept, B.filter((c) => sm.has(c))) || (kept.length < B.length && kept.length < S.length)) return undefined
  }
  const merged = same(O, B) ? T : same(T, B) ? O : [...O.filter((c) => !(bm.has(c) && !tm.has(c))), ...T.filter((c) => !bm.has(c) && !om.has(c))]
  return {merged, inMerged: new Set(merged), base: bm, ours: om, theirs: tm}
}

/**
 * A row merged column by column by name (a side added or removed columns), or undefined: when the
 * row's cells do not match its version's header, a cell changed differently, or a side changed a
 * cell of a column the other removed.
 */
function mergeByName(B: string[], O: string[], T: string[], cols: Columns | undefined): string[] | undefined {
  if (!cols || B.length !== cols.base.size || O.length !== cols.ours.size || T.length !== cols.theirs.size) return undefined
  const at = (row: string[], map: Map<string, number>, c: string): string | undefined => {
    const k = map.get(c)
    return k === undefined ? undefined : row[k]
  }
  const out: string[] = []
  let kept = 0
  for (const c of cols.merged) {
    const [vb, vo, vt] = [at(B, cols.base, c), at(O, cols.ours, c), at(T, cols.theirs, c)]
    if (vb !== undefined && vo === vb && vt === vb) kept++
    if (vo === vt || vt === vb) out.push((vo ?? vt)!)
    else if (vo === vb) out.push(vt!)
    else return undefined
  }
  if (kept === 0) return undefined
  // A column left out was removed by a side: the other side must not have changed its cell.
  for (const [c, k] of cols.base) {
    if (cols.inMerged.has(c)) continue
    const [vo, vt] = [at(O, cols.ours, c), at(T, cols.theirs, c)]
    if ((vo !== undefined && vo !== B[k]) || (vt !== undefined && vt !== B[k])) return undefined
  }
  return out
}

/** A row of the merged stretch, or one still in conflict. */
export type RowPiece = {row: string} | {base: string; ours: string; theirs: string}

/**
 * The merge below lines for a path's format, as merge-text.ts's `finer` takes it: a conflicting
 * stretch's rows merged by cells or fields (mergeRows); undefined for files of no table format.
 */
export function finerMerge(path: string, headers?: () => TableHeaders | undefined): ((base: string[], ours: string[], theirs: string[]) => RowPiece[] | undefined) | undefined {
  const rowMerge = rowMerger(path, headers)
  return rowMerge && ((b, o, t) => mergeRows(b, o, t, rowMerge))
}

/**
 * The fields of a one-line JSON object: each key's raw text (quotes and escapes kept) with where
 * its value's text starts and ends in the line. Undefined for anything else (an array, a
 * scalar, an object spanning lines, text after it, a repeated key, malformed JSON).
 */
function fields(line: string): Array<{key: string; from: number; to: number}> | undefined {
  let i = 0
  const n = line.length
  const ws = (): void => {
    while (i < n && (line[i] === ' ' || line[i] === '\t' || line[i] === '\r' || line[i] === '\n')) i++
  }
  // A string from its opening quote; false when it does not close on this line.
  const str = (): boolean => {
    for (i++; i < n; i++) {
      if (line[i] === '\\') i++
      else if (line[i] === '"') return (i++, true)
      else if (line[i] === '\n') return false
    }
    return false
  }
  // A value of any kind: strings whole, brackets counted to their match.
  const value = (): boolean => {
    if (line[i] === '"') return str()
    if (line[i] === '{' || line[i] === '[') {
      const stack: string[] = []
      for (; i < n; i++) {
        const ch = line[i]!
        if (ch === '"') {
          if (!str()) return false
          i--
        } else if (ch === '{' || ch === '[') stack.push(ch === '{' ? '}' : ']')
        else if (ch === '}' || ch === ']') {
          if (stack.pop() !== ch) return false
          if (stack.length === 0) return (i++, true)
        } else if (ch === '\n') return false
      }
      return false
    }
    const start = i
    while (i < n && /[-+.0-9a-zA-Z]/.test(line[i]!)) i++
    return i > start
  }
  ws()
  if (line[i] !== '{') return undefined
  i++
  ws()
  const out: Array<{key: string; from: number; to: number}> = []
  const seen = new Set<string>()
  if (line[i] === '}') i++
  else
    for (;;) {
      if (line[i] !== '"') return undefined
      const k0 = i
      if (!str()) return undefined
      const key = line.slice(k0, i)
      if (seen.has(key)) return undefined
      seen.add(key)
      ws()
      if (line[i] !== ':') return undefined
      i++
      ws()
      const from = i
      if (!value()) return undefined
      out.push({key, from, to: i})
      ws()
      if (line[i] === ',') {
        i++
        ws()
        continue
      }
      if (line[i] !== '}') return undefined
      i++
      break
    }
  ws()
  return i === n ? out : undefined
}

/** A JSONL record merged field by field (ours' layout), or undefined when a field was changed differently or the keys differ. */
function mergeFields(b: string, o: string, t: string): string | undefined {
  const [B, O, T] = [fields(b), fields(o), fields(t)]
  if (!B || !O || !T || B.length !== O.length || O.length !== T.length) return undefined
  const end = mergedEnd(lineEnd(b), lineEnd(o), lineEnd(t))
  if (end === undefined) return undefined
  let out = o.slice(0, o.length - lineEnd(o).length) + end
  let kept = 0
  // From the last field back, so the earlier fields' offsets in ours stay valid.
  for (let k = O.length - 1; k >= 0; k--) {
    const [fb, fo, ft] = [B[k]!, O[k]!, T[k]!]
    if (fb.key !== fo.key || fo.key !== ft.key) return undefined
    const [vb, vo, vt] = [b.slice(fb.from, fb.to), o.slice(fo.from, fo.to), t.slice(ft.from, ft.to)]
    if (vo === vb && vt === vb) kept++
    if (vo === vt || vt === vb) continue
    if (vo !== vb) return undefined
    out = out.slice(0, fo.from) + vt + out.slice(fo.to)
  }
  // A record neither side left a field of is no edit of that record (moved or rewritten).
  return kept > 0 ? out : undefined
}

function lineEnd(line: string): string {
  return line.endsWith('\r\n') ? '\r\n' : line.endsWith('\n') ? '\n' : ''
}

/**
 * The rows of a conflicting stretch, row by row: each taken from the side that changed it, merged
 * by `mergeRow` (cells, fields), or left in conflict. Undefined when the rows do not line up (a
 * row added or removed) or no row needed merging below lines: then the stretch is Git's to mark,
 * exactly as Git would.
 */
export function mergeRows(base: string[], ours: string[], theirs: string[], mergeRow: RowMerge): RowPiece[] | undefined {
  if (base.length !== ours.length || ours.length !== theirs.length) return undefined
  // Rows are paired by position: only when no side moved a row. A base row found elsewhere in a
  // side's stretch (sorted, or a row deleted and another inserted) means positions no longer say
  // which row is which, and a cell edit could land on another row: the line merge decides then.
  const at = new Map<string, number>()
  base.forEach((b, i) => at.set(b, at.has(b) ? -1 : i))
  const moved = (side: string[]): boolean => side.some((r, i) => r !== base[i] && at.has(r) && at.get(r) !== i)
  if (moved(ours) || moved(theirs)) return undefined
  const out: RowPiece[] = []
  let byCells = 0
  for (let i = 0; i < base.length; i++) {
    const [b, o, t] = [base[i]!, ours[i]!, theirs[i]!]
    if (o === t || t === b) out.push({row: o})
    else if (o === b) out.push({row: t})
    else {
      const m = mergeRow(b, o, t)
      if (m === undefined) out.push({base: b, ours: o, theirs: t})
      else {
        out.push({row: m})
        byCells++
      }
    }
  }
  return byCells > 0 ? out : undefined
}
