/**
 * Cell-level merge of CSV/TSV rows, where Git's line merge stops. When both sides edited the same
 * row, Git sees one line changed twice and conflicts; a table changed in two different columns of
 * that row (a label fixed on one branch, a score recomputed on the other) merges cell by cell.
 *
 * Only in-place edits are merged this way: the three versions of a conflicting stretch must have
 * the same number of rows, each row the same number of cells, and no cell spanning lines. The
 * cells keep their bytes (quotes included) and the row ours' line ending. Anything else, or the
 * same cell changed differently, stays a conflict for the line merge to mark.
 */

/** Delimiter for a path's table format, or undefined when it is not a delimited table. */
export function rowDelimiter(path: string): string | undefined {
  const p = path.toLowerCase()
  return p.endsWith('.csv') ? ',' : p.endsWith('.tsv') ? '\t' : undefined
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
function mergeCells(b: string, o: string, t: string, delimiter: string): string | undefined {
  const [B, O, T] = [cells(b, delimiter), cells(o, delimiter), cells(t, delimiter)]
  if (!B || !O || !T || B.cells.length !== O.cells.length || O.cells.length !== T.cells.length) return undefined
  const merged: string[] = []
  for (let k = 0; k < B.cells.length; k++) {
    const [cb, co, ct] = [B.cells[k]!, O.cells[k]!, T.cells[k]!]
    if (co === ct || ct === cb) merged.push(co)
    else if (co === cb) merged.push(ct)
    else return undefined
  }
  return merged.join(delimiter) + O.end
}

/** A row of the merged stretch, or one still in conflict. */
export type RowPiece = {row: string} | {base: string; ours: string; theirs: string}

/**
 * The rows of a conflicting stretch, row by row: each taken from the side that changed it, merged
 * cell by cell, or left in conflict. Undefined when the rows do not line up (a row added or
 * removed) or no row needed cells merged: then the stretch is Git's to mark, exactly as Git would.
 */
export function mergeRows(base: string[], ours: string[], theirs: string[], delimiter: string): RowPiece[] | undefined {
  if (base.length !== ours.length || ours.length !== theirs.length) return undefined
  const out: RowPiece[] = []
  let byCells = 0
  for (let i = 0; i < base.length; i++) {
    const [b, o, t] = [base[i]!, ours[i]!, theirs[i]!]
    if (o === t || t === b) out.push({row: o})
    else if (o === b) out.push({row: t})
    else {
      const m = mergeCells(b, o, t, delimiter)
      if (m === undefined) out.push({base: b, ours: o, theirs: t})
      else {
        out.push({row: m})
        byCells++
      }
    }
  }
  return byCells > 0 ? out : undefined
}
