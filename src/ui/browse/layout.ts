/**
 * Where the panes go for a terminal of `columns` x `rows`. Ink draws `rows - 1` lines: a frame as
 * tall as the terminal makes Ink clear the whole screen on every update (flicker), one line less
 * lets it redraw in place.
 */
export const MIN_COLUMNS = 40
export const MIN_ROWS = 12

export interface Size {
  width: number
  height: number
}

export interface BrowseLayout {
  tooSmall: boolean
  /** Lines drawn in all (body + status line). */
  height: number
  width: number
  /** The area under the top panes' row and the bottom panes' row, i.e. everything but the status line. */
  body: Size
  refs: Size
  log: Size
  tree: Size
  detail: Size
}

export function browseLayout(columns: number, rows: number): BrowseLayout {
  const width = Math.max(1, columns)
  const height = Math.max(1, rows - 1)
  const bodyH = Math.max(0, height - 1)
  const topH = Math.floor(bodyH / 2)
  const bottomH = bodyH - topH
  const refsW = Math.max(16, Math.min(30, Math.floor(width * 0.28)))
  const treeW = Math.floor(width / 2)
  return {
    tooSmall: columns < MIN_COLUMNS || rows < MIN_ROWS,
    height,
    width,
    body: {width, height: bodyH},
    refs: {width: refsW, height: topH},
    log: {width: width - refsW, height: topH},
    tree: {width: treeW, height: bottomH},
    detail: {width: width - treeW, height: bottomH},
  }
}

/** Rows of a bordered pane with a title line: the border takes two, the title one. */
export function listRows(pane: Size): number {
  return Math.max(1, pane.height - 3)
}

/** The first row to show so that `selected` stays visible in a window of `rows`. */
export function scrollTop(selected: number, rows: number, total: number, current = 0): number {
  if (total <= rows) return 0
  let top = Math.min(current, total - rows)
  if (selected < top) top = selected
  if (selected >= top + rows) top = selected - rows + 1
  return Math.max(0, top)
}
