/**
 * Three-way merge of sequences, Git's way (xdiff's merge): each side's changes against the base,
 * taken where only one side changed, taken once where both made the same change, and a conflict
 * where both changed the same or adjacent items differently. Used on two levels: on the chunk ids
 * of a file's three versions (content-merge.ts), and on the lines of the stretches where both
 * sides' chunks changed (mergeLines below).
 */
import {diffRanges, exactDiffRanges, type Replacement} from '../diff/lines.js'
import type {RowPiece} from './merge-rows.js'
import type {Favor} from './three-way.js'

/**
 * Where one or both sides changed the base: [baseStart, baseEnd) of the base became
 * [oursStart, oursEnd) of ours and [theirsStart, theirsEnd) of theirs. A side that did not change
 * it there has the base's items in its range.
 */
export interface Region {
  baseStart: number
  baseEnd: number
  oursStart: number
  oursEnd: number
  theirsStart: number
  theirsEnd: number
  ours: boolean
  theirs: boolean
}

/**
 * Both sides' replacements (each in order, against the same base) as regions in base order.
 * Changes that overlap or touch (no unchanged item between) form one region, as in Git: two
 * edits of adjacent lines conflict, since neither side saw the other's line next to its own.
 */
export function changedRegions(ours: Replacement[], theirs: Replacement[]): Region[] {
  const out: Region[] = []
  let i = 0
  let j = 0
  // Length change of each side's replacements so far: base index + delta = that side's index.
  let dOurs = 0
  let dTheirs = 0
  const grow = (r: Replacement): number => r.bEnd - r.bStart - (r.aEnd - r.aStart)
  while (i < ours.length || j < theirs.length) {
    const takeOurs = j >= theirs.length || (i < ours.length && ours[i]!.aStart <= theirs[j]!.aStart)
    const first = takeOurs ? ours[i]! : theirs[j]!
    const start = first.aStart
    let end = start
    const reg: Region = {baseStart: start, baseEnd: end, oursStart: start + dOurs, oursEnd: 0, theirsStart: start + dTheirs, theirsEnd: 0, ours: false, theirs: false}
    for (;;) {
      if (i < ours.length && ours[i]!.aStart <= end) {
        end = Math.max(end, ours[i]!.aEnd)
        dOurs += grow(ours[i++]!)
        reg.ours = true
      } else if (j < theirs.length && theirs[j]!.aStart <= end) {
        end = Math.max(end, theirs[j]!.aEnd)
        dTheirs += grow(theirs[j++]!)
        reg.theirs = true
      } else break
    }
    reg.baseEnd = end
    reg.oursEnd = end + dOurs
    reg.theirsEnd = end + dTheirs
    out.push(reg)
  }
  return out
}

/** Git's rule: a NUL in the first 8000 bytes makes a file binary (not merged by lines). */
export function looksBinary(start: Uint8Array): boolean {
  return start.subarray(0, 8000).includes(0)
}

export type ConflictStyle = 'merge' | 'diff3' | 'zdiff3'
export const CONFLICT_STYLES: readonly ConflictStyle[] = ['merge', 'diff3', 'zdiff3']

export interface TextMergeOptions {
  /** Git's merge.conflictStyle: `diff3` and `zdiff3` also show the base between the sides. */
  style?: ConflictStyle
  /** Names after the markers: ours (<<<<<<<), base (|||||||), theirs (>>>>>>>). */
  labels: {ours: string; base: string; theirs: string}
  /**
   * Git's -X ours|theirs: a conflicting stretch takes that side's lines instead of markers;
   * `union` (the merge=union attribute): both sides' lines, ours first, and nothing counted.
   */
  favor?: Favor | 'union'
  /**
   * A merge of a stretch both sides changed that goes finer than lines (merge-rows.ts: cells of
   * CSV rows), tried before the stretch counts as one conflict: its rows, each merged or still
   * conflicting; undefined to leave the stretch to the line merge.
   */
  finer?: (base: string[], ours: string[], theirs: string[]) => RowPiece[] | undefined
}

export interface TextMerge {
  /** The merged bytes, markers included. */
  bytes: Buffer
  /** Stretches left in conflict (marked in `bytes`). */
  conflicts: number
  /** Stretches settled by `favor`. */
  favored: number
}

/** Lines with their terminators, as one-byte-per-char strings: comparison is byte-exact. */
export function splitKeepingEnds(buf: Buffer): string[] {
  const s = buf.toString('latin1')
  const out: string[] = []
  let at = 0
  for (let nl = s.indexOf('\n'); nl !== -1; nl = s.indexOf('\n', at)) {
    out.push(s.slice(at, nl + 1))
    at = nl + 1
  }
  if (at < s.length) out.push(s.slice(at))
  return out
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((l, k) => l === b[k])
}

/** A stretch both sides changed differently. */
type Conflicting = {ours: string[]; base: string[]; theirs: string[]}

/** What the merged text is made of, in order: lines (`taken`: a change from a side), or a conflict. */
type Item = {lines: string[]; taken?: boolean} | Conflicting

/**
 * Merges three versions of a text by lines, as `git merge` does (xdiff at its "zealous" level).
 * A stretch both sides changed differently is a conflict, written between Git's markers. In the
 * `merge` style the two sides of a conflict are diffed again and only the lines that differ stay
 * in conflict, and conflicts at most 3 lines apart are joined into one; `zdiff3` only moves the
 * lines both sides share at its ends out of it; `diff3` keeps the whole stretch and, like zdiff3,
 * shows the base's lines too.
 */
export function mergeLines(base: Buffer, ours: Buffer, theirs: Buffer, opts: TextMergeOptions): TextMerge | undefined {
  const B = splitKeepingEnds(base)
  const O = splitKeepingEnds(ours)
  const T = splitKeepingEnds(theirs)
  const style = opts.style ?? 'merge'
  // Too different to align within the diff's budget (many repeated lines): undefined, and the
  // file conflicts as a whole, rather than reading a coarse diff as both sides rewriting it.
  const dO = exactDiffRanges(B, O)
  const dT = dO && exactDiffRanges(B, T)
  if (!dO || !dT) return undefined
  const items: Item[] = []
  let at = 0
  for (const r of changedRegions(dO, dT)) {
    items.push({lines: B.slice(at, r.baseStart)})
    at = r.baseEnd
    const o = O.slice(r.oursStart, r.oursEnd)
    const t = T.slice(r.theirsStart, r.theirsEnd)
    const b = B.slice(r.baseStart, r.baseEnd)
    let finer: RowPiece[] | undefined
    if (!r.theirs || sameLines(o, t)) items.push({lines: o, taken: true})
    else if (!r.ours) items.push({lines: t, taken: true})
    else if ((finer = opts.finer?.(b, o, t))) for (const p of finer) items.push('row' in p ? {lines: [p.row], taken: true} : {ours: [p.ours], base: [p.base], theirs: [p.theirs]})
    else if (style === 'diff3') items.push({ours: o, base: b, theirs: t})
    else if (style === 'zdiff3' || o.length === 0 || t.length === 0) {
      let pre = 0
      let post = 0
      while (pre < o.length && pre < t.length && o[pre] === t[pre]) pre++
      while (post < o.length - pre && post < t.length - pre && o[o.length - 1 - post] === t[t.length - 1 - post]) post++
      items.push({lines: o.slice(0, pre)}, {ours: o.slice(pre, o.length - post), base: b, theirs: t.slice(pre, t.length - post)}, {lines: o.slice(o.length - post)})
    } else {
      // Only the lines the two sides do not share stay in conflict.
      let k = 0
      for (const d of diffRanges(o, t)) {
        // The merge style never shows the base: none is kept (joining conflicts copies nothing big).
        items.push({lines: o.slice(k, d.aStart)}, {ours: o.slice(d.aStart, d.aEnd), base: [], theirs: t.slice(d.bStart, d.bEnd)})
        k = d.aEnd
      }
      items.push({lines: o.slice(k)})
    }
  }
  items.push({lines: B.slice(at)})
  const merged = style === 'merge' ? joinNearConflicts(items) : items.filter((x) => !('lines' in x) || x.lines.length > 0)
  return render(merged, O[0] ?? T[0] ?? B[0] ?? '', style, opts)
}

/**
 * Git's rule: two conflicts with at most 3 unchanged lines between them read better as one (the
 * lines then show on both sides). A change taken from one side between them keeps them apart.
 */
function joinNearConflicts(items: Item[]): Item[] {
  const out: Item[] = []
  for (const x of items) {
    const prev = out[out.length - 1]
    if ('lines' in x) {
      if (x.lines.length === 0 && !x.taken) continue
      if (prev && 'lines' in prev && !prev.taken && !x.taken) append(prev.lines, x.lines)
      else out.push({...x, lines: [...x.lines]})
      continue
    }
    const gap = out[out.length - 2]
    if (prev && !('lines' in prev)) join(prev, [], x)
    else if (prev && !prev.taken && prev.lines.length <= 3 && gap && !('lines' in gap)) {
      join(gap, prev.lines, x)
      out.pop()
    } else out.push({ours: [...x.ours], base: x.base, theirs: [...x.theirs]})
  }
  return out
}

/** `a` grows in place by the lines between and `b` (its arrays are this pass's own copies). */
function join(a: Conflicting, between: string[], b: Conflicting): void {
  append(a.ours, between)
  append(a.ours, b.ours)
  append(a.theirs, between)
  append(a.theirs, b.theirs)
}

/** push(...src) without spreading: a spread of 100k+ lines overflows the call stack. */
function append(dst: string[], src: readonly string[]): void {
  for (const x of src) dst.push(x)
}

function render(items: Item[], firstLine: string, style: ConflictStyle, opts: TextMergeOptions): TextMerge {
  // The text is one byte per char (latin1); a label (a branch name, a commit subject) is UTF-8.
  const bytes = (label: string): string => Buffer.from(label, 'utf8').toString('latin1')
  const labels = {ours: bytes(opts.labels.ours), base: bytes(opts.labels.base), theirs: bytes(opts.labels.theirs)}
  // Markers end lines the way the file does (CRLF files get CRLF markers, as in Git).
  const eol = firstLine.endsWith('\r\n') ? '\r\n' : '\n'
  const out: string[] = []
  // A side's last line without its newline would swallow the marker after it.
  const block = (lines: string[]): void => {
    append(out, lines)
    if (lines.length && !lines[lines.length - 1]!.endsWith('\n')) out.push(eol)
  }
  let conflicts = 0
  let favored = 0
  for (const x of items) {
    if ('lines' in x) append(out, x.lines)
    else if (opts.favor === 'union') {
      append(out, x.ours)
      append(out, x.theirs)
    } else if (opts.favor) {
      append(out, opts.favor === 'ours' ? x.ours : x.theirs)
      favored++
    } else {
      conflicts++
      out.push(`<<<<<<< ${labels.ours}${eol}`)
      block(x.ours)
      if (style !== 'merge') {
        out.push(`||||||| ${labels.base}${eol}`)
        block(x.base)
      }
      out.push(`=======${eol}`)
      block(x.theirs)
      out.push(`>>>>>>> ${labels.theirs}${eol}`)
    }
  }
  return {bytes: Buffer.from(out.join(''), 'latin1'), conflicts, favored}
}
