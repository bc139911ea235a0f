/**
 * ASCII history graph for `bl log --graph`, drawn like Git's: one lane per line of history, `*` on
 * the commit's lane, `|` for lanes passing by, `\` where a merge's parents fan out to the right and
 * `/` where lanes join or close up to the left. Commits must come children first.
 */

export interface GraphRow {
  /** The commit line's graph, padded to the graph's width (text follows it). */
  commit: string
  /** Lines that move lanes after the commit (a merge fanning out, branches joining), unpadded. */
  after: string[]
  /** Prefix for any further line of this commit once `after` is used up, padded. */
  pad: string
  /** Width of the graph around this commit: pad `after` lines to it when text follows them. */
  width: number
}

interface Move {
  from: number
  to: number
}

/** Lines moving each lane one column per line from `from` to `to` (all rightward or all leftward). */
function transition(moves: Move[]): string[] {
  const pos = moves.map((m) => m.from)
  const lines: string[] = []
  while (moves.some((m, i) => pos[i] !== m.to)) {
    const chars: string[] = []
    moves.forEach((m, i) => {
      const p = pos[i]!
      if (p === m.to) chars[2 * p] = '|'
      else if (m.to > p) {
        chars[2 * p + 1] = '\\'
        pos[i] = p + 1
      } else {
        chars[2 * p - 1] = '/'
        pos[i] = p - 1
      }
    })
    lines.push(Array.from(chars, (c) => c ?? ' ').join('').trimEnd())
  }
  return lines
}

function lanes(n: number, mark?: number): string {
  return Array.from({length: n}, (_, i) => (i === mark ? '*' : '|')).join(' ')
}

export function renderGraph(rows: Array<{id: string; parents: string[]}>): GraphRow[] {
  // The commit each lane is waiting for (never twice: lanes that meet are merged).
  let cols: string[] = []
  const out: GraphRow[] = []
  for (const {id, parents} of rows) {
    let idx = cols.indexOf(id)
    if (idx < 0) {
      // A branch tip nothing listed so far leads to: a new lane on the right.
      cols.push(id)
      idx = cols.length - 1
    }
    // Lanes after the commit: its parents take its place, in order (Git's first parent keeps the column).
    const raw: Array<{target: string; from: number}> = []
    cols.forEach((c, i) => {
      if (i === idx) for (const p of parents) raw.push({target: p, from: idx})
      else raw.push({target: c, from: i})
    })
    // Phase 1: a merge fans its parents out to the right, pushing the lanes on its right along.
    const after: string[] = []
    const fans = parents.length > 1
    if (fans) after.push(...transition(raw.map((l, i) => ({from: l.from, to: i}))))
    // Phase 2: lanes waiting for the same commit join (the leftmost stays) and gaps close, leftward.
    const next: string[] = []
    const join: Move[] = raw.map((l, i) => {
      let j = next.indexOf(l.target)
      if (j < 0) j = next.push(l.target) - 1
      return {from: fans ? i : l.from, to: j}
    })
    after.push(...transition(join))
    const width = 2 * Math.max(cols.length, raw.length, next.length)
    out.push({commit: lanes(cols.length, idx).padEnd(width), after, pad: lanes(next.length).padEnd(width), width})
    cols = next
  }
  return out
}
