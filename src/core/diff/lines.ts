/**
 * Line diffs as unified hunks (3 lines of context, 1-based old/new line numbers).
 *
 * Myers' O(ND) algorithm (minimal) after trimming the common prefix and suffix. When the two
 * differ by more than `maxEdits` lines, or Myers exceeds its share of a work budget, the range is
 * split at patience anchors — lines that occur exactly once on each side, in the longest run of
 * them found in the same order — and each gap is aligned the same way; a gap with no anchor left
 * becomes one block removed then added. Such a diff is correct but may not be minimal (`coarse`
 * says a block was used). Output stops at `maxOutput` lines (`truncated`). Memory: the lines, a
 * byte per edit-script step, and (D+1)² ints of Myers trace with D <= `maxEdits`.
 */
export interface DiffLine {
  op: ' ' | '+' | '-'
  text: string
  /** 1-based line numbers in the old and new version (null on the side that lacks the line). */
  oldNo: number | null
  newNo: number | null
}

export interface DiffHunk {
  oldStart: number
  oldLines: number
  newStart: number
  newLines: number
  lines: DiffLine[]
}

export interface LineDiffOptions {
  /** Unchanged lines around each change (default 3). */
  context?: number
  /** Differences aligned exactly before giving up on a minimal diff (default 2,000). */
  maxEdits?: number
  /** Diff lines returned across all hunks (default 20,000). */
  maxOutput?: number
}

export interface LineDiff {
  hunks: DiffHunk[]
  /** Output stopped at `maxOutput` lines. */
  truncated: boolean
  /** Too different to align within the budget: the changed middle is one removal plus one addition. */
  coarse: boolean
}

const EQ = 0
const DEL = 1
const INS = 2
/** Snake steps and diagonal visits for one Myers run, and for a whole diff (~0.2 s). */
const MYERS_WORK = 5_000_000
const TOTAL_WORK = 50_000_000
/** Nested anchor splits before a gap is taken as one block. */
const MAX_DEPTH = 12

interface Budget {
  work: number
  maxEdits: number
  coarse: boolean
}

/**
 * Lines of a text split at `\n`; a final `\n` adds no empty line. A `\r` before the `\n` stays, so
 * turning CRLF into LF is a change; diffLines drops it from the text it shows.
 */
export function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

const shown = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line)

export function diffLines(a: readonly string[], b: readonly string[], opts: LineDiffOptions = {}): LineDiff {
  const {ops, coarse} = editScript(a, b, opts.maxEdits ?? 2000)
  return {...hunksOf(ops, a, b, opts.context ?? 3, opts.maxOutput ?? 20_000), coarse}
}

/** A stretch of `a` (half-open index range) replaced by a stretch of `b`. */
export interface Replacement {
  aStart: number
  aEnd: number
  bStart: number
  bEnd: number
}

/**
 * Where `b` differs from `a`, in order, by the alignment diffLines shows (any strings: lines, or
 * chunk ids). Stretches are separated by at least one equal item.
 */
export function diffRanges(a: readonly string[], b: readonly string[], maxEdits = 2000): Replacement[] {
  return rangesOf(editScript(a, b, maxEdits).ops)
}

/**
 * diffRanges when the alignment is exact (minimal, or anchored), else undefined: past the budget a
 * stretch is "all removed, all added", which a merge would read as both sides rewriting it.
 */
export function exactDiffRanges(a: readonly string[], b: readonly string[], maxEdits = 2000): Replacement[] | undefined {
  const {ops, coarse} = editScript(a, b, maxEdits)
  return coarse ? undefined : rangesOf(ops)
}

function rangesOf(ops: Uint8Array): Replacement[] {
  const out: Replacement[] = []
  let i = 0
  let j = 0
  for (let p = 0; p < ops.length; ) {
    if (ops[p] === EQ) {
      i++
      j++
      p++
      continue
    }
    const r: Replacement = {aStart: i, aEnd: i, bStart: j, bEnd: j}
    for (; p < ops.length && ops[p] !== EQ; p++) {
      if (ops[p] === DEL) i++
      else j++
    }
    r.aEnd = i
    r.bEnd = j
    out.push(r)
  }
  return out
}

function editScript(a: readonly string[], b: readonly string[], maxEdits: number): {ops: Uint8Array; coarse: boolean} {
  // Lines as small integers: comparisons in the inner loops become integer compares.
  const ids = new Map<string, number>()
  const intern = (s: string): number => ids.get(s) ?? (ids.set(s, ids.size), ids.size - 1)
  const A = Int32Array.from(a, intern)
  const B = Int32Array.from(b, intern)
  const budget: Budget = {work: 0, maxEdits, coarse: false}
  const parts: Uint8Array[] = []
  align(A, B, budget, parts, 0)
  const ops = concat(parts)
  // A guard: a script that does not turn a into b is never used as their diff.
  if (!consistent(ops, A, B)) return {ops: block(A.length, B.length), coarse: true}
  return {ops, coarse: budget.coarse}
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Appends the edit script from A to B to `out`: equal ends, then Myers, else patience anchors, else a block. */
function align(A: Int32Array, B: Int32Array, budget: Budget, out: Uint8Array[], depth: number): void {
  let prefix = 0
  while (prefix < A.length && prefix < B.length && A[prefix] === B[prefix]) prefix++
  let suffix = 0
  while (suffix < A.length - prefix && suffix < B.length - prefix && A[A.length - 1 - suffix] === B[B.length - 1 - suffix]) suffix++
  if (prefix) out.push(new Uint8Array(prefix))
  const a = A.subarray(prefix, A.length - suffix)
  const b = B.subarray(prefix, B.length - suffix)
  const direct = budget.work < TOTAL_WORK ? myers(a, b, budget) : null
  if (direct) out.push(direct)
  else {
    const anchors = depth < MAX_DEPTH && budget.work < TOTAL_WORK ? patienceAnchors(a, b) : []
    if (anchors.length === 0) {
      // Nothing in common: the block is the exact answer; otherwise it is a guess.
      if (sharesAny(a, b)) budget.coarse = true
      out.push(block(a.length, b.length))
    } else {
      let x = 0
      let y = 0
      for (const [i, j] of anchors) {
        align(a.subarray(x, i), b.subarray(y, j), budget, out, depth + 1)
        out.push(new Uint8Array(1)) // the anchor itself: equal
        x = i + 1
        y = j + 1
      }
      align(a.subarray(x), b.subarray(y), budget, out, depth + 1)
    }
  }
  if (suffix) out.push(new Uint8Array(suffix))
}

/**
 * Lines occurring exactly once in A and once in B, as (index in A, index in B) pairs, keeping
 * the longest chain increasing on both sides (patience sorting, O(k log k)).
 */
function patienceAnchors(A: Int32Array, B: Int32Array): Array<[number, number]> {
  // Per line id: occurrences in A (capped at 2) and its index there, same for B.
  const seen = new Map<number, {na: number; ia: number; nb: number; ib: number}>()
  A.forEach((v, i) => {
    const e = seen.get(v)
    if (e) e.na++
    else seen.set(v, {na: 1, ia: i, nb: 0, ib: -1})
  })
  B.forEach((v, j) => {
    const e = seen.get(v)
    if (!e) return
    e.nb++
    e.ib = j
  })
  const pairs: Array<[number, number]> = []
  for (const e of seen.values()) if (e.na === 1 && e.nb === 1) pairs.push([e.ia, e.ib])
  pairs.sort((p, q) => p[0] - q[0])
  // Longest increasing subsequence of the B indexes.
  const tails: number[] = [] // index into pairs of the smallest tail of each length
  const back = new Int32Array(pairs.length).fill(-1)
  for (let p = 0; p < pairs.length; p++) {
    const jb = pairs[p]![1]
    let lo = 0
    let hi = tails.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (pairs[tails[mid]!]![1] < jb) lo = mid + 1
      else hi = mid
    }
    if (lo > 0) back[p] = tails[lo - 1]!
    tails[lo] = p
  }
  const chain: Array<[number, number]> = []
  for (let p = tails.length ? tails[tails.length - 1]! : -1; p >= 0; p = back[p]!) chain.push(pairs[p]!)
  return chain.reverse()
}

function sharesAny(a: Int32Array, b: Int32Array): boolean {
  const seen = new Set(a)
  return b.some((v) => seen.has(v))
}

/** All of A removed, then all of B added. */
function block(n: number, m: number): Uint8Array {
  const ops = new Uint8Array(n + m)
  ops.fill(DEL, 0, n)
  ops.fill(INS, n)
  return ops
}

/** Does the script turn A into B? */
function consistent(ops: Uint8Array, A: Int32Array, B: Int32Array): boolean {
  let x = 0
  let y = 0
  for (const op of ops) {
    if (op === EQ) {
      if (x >= A.length || y >= B.length || A[x] !== B[y]) return false
      x++
      y++
    } else if (op === DEL) x++
    else y++
  }
  return x === A.length && y === B.length
}

/** The shortest edit script from A to B (Myers 1986, with the trace kept for the way back), or null past the budget. */
function myers(A: Int32Array, B: Int32Array, budget: Budget): Uint8Array | null {
  const n = A.length
  const m = B.length
  if (n === 0 || m === 0) return block(n, m)
  const maxD = Math.min(budget.maxEdits, n + m)
  const off = maxD + 1
  const V = new Int32Array(2 * maxD + 3)
  // trace[d]: furthest x on each diagonal k in [-d, d] after d edits (index k + d).
  const trace: Int32Array[] = []
  let work = 0
  let D = -1
  outer: for (let d = 0; d <= maxD; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && V[off + k - 1]! < V[off + k + 1]!) ? V[off + k + 1]! : V[off + k - 1]! + 1
      let y = x - k
      const x0 = x
      while (x < n && y < m && A[x] === B[y]) {
        x++
        y++
      }
      work += x - x0 + 1
      V[off + k] = x
      if (x >= n && y >= m) {
        trace.push(V.slice(off - d, off + d + 1))
        D = d
        break outer
      }
    }
    trace.push(V.slice(off - d, off + d + 1))
    if (work > MYERS_WORK) break
  }
  budget.work += work
  if (D < 0) return null
  // Back from (n, m): each step is one edit plus the snake (equal lines) that followed it.
  const out: number[] = []
  let x = n
  let y = m
  for (let d = D; d > 0; d--) {
    const prev = trace[d - 1]!
    const at = (k: number): number => prev[k + d - 1]!
    const k = x - y
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1))
    const pk = down ? k + 1 : k - 1
    const px = at(pk)
    const py = px - pk
    const sx = down ? px : px + 1
    while (x > sx) {
      out.push(EQ)
      x--
      y--
    }
    out.push(down ? INS : DEL)
    x = px
    y = py
  }
  while (x > 0 && y > 0) {
    out.push(EQ)
    x--
    y--
  }
  if (x !== 0 || y !== 0) return null
  return Uint8Array.from(out.reverse())
}

/** Groups the edit script into hunks with `context` lines around changes (closer changes share a hunk). */
function hunksOf(ops: Uint8Array, a: readonly string[], b: readonly string[], context: number, maxOutput: number): {hunks: DiffHunk[]; truncated: boolean} {
  const hunks: DiffHunk[] = []
  let emitted = 0
  // Old and new line index before each step, walking forward.
  let p = 0
  let i = 0
  let j = 0
  const advance = (to: number): void => {
    for (; p < to; p++) {
      if (ops[p] !== INS) i++
      if (ops[p] !== DEL) j++
    }
  }
  let q = 0
  while (q < ops.length) {
    if (ops[q] === EQ) {
      q++
      continue
    }
    // A run of changes from q; absorb later changes within 2 * context equal lines.
    let end = q
    for (;;) {
      while (end < ops.length && ops[end] !== EQ) end++
      let gap = end
      while (gap < ops.length && ops[gap] === EQ) gap++
      if (gap < ops.length && gap - end <= 2 * context) end = gap
      else break
    }
    const from = Math.max(p, q - context)
    const to = Math.min(ops.length, end + context)
    advance(from)
    const hunk: DiffHunk = {oldStart: 0, oldLines: 0, newStart: 0, newLines: 0, lines: []}
    const oldFirst = i
    const newFirst = j
    for (; p < to; p++) {
      if (emitted >= maxOutput) break
      const op = ops[p]!
      const line: DiffLine =
        op === EQ ? {op: ' ', text: shown(a[i]!), oldNo: i + 1, newNo: j + 1} : op === DEL ? {op: '-', text: shown(a[i]!), oldNo: i + 1, newNo: null} : {op: '+', text: shown(b[j]!), oldNo: null, newNo: j + 1}
      if (op !== INS) i++
      if (op !== DEL) j++
      hunk.lines.push(line)
      emitted++
    }
    hunk.oldLines = i - oldFirst
    hunk.newLines = j - newFirst
    // Unified format: a side with no lines names the line before the hunk.
    hunk.oldStart = hunk.oldLines ? oldFirst + 1 : oldFirst
    hunk.newStart = hunk.newLines ? newFirst + 1 : newFirst
    if (hunk.lines.length) hunks.push(hunk)
    if (emitted >= maxOutput && p < ops.length && ops.subarray(p).some((o) => o !== EQ)) return {hunks, truncated: true}
    q = to
  }
  return {hunks, truncated: false}
}
