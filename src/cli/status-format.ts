/**
 * `bl status` in Git's column formats: `--short`, `--porcelain` (v1: the short format, stable,
 * uncoloured, paths from the root) and `--porcelain=v2`, each with the `-b` branch header and `-z`
 * (NUL-terminated records, nothing quoted).
 */
import type {ModeId, StatusResult} from '../core/ops/status.js'
import type {Palette} from './color.js'

/** Git's unmerged XY codes; the two kinds Git has no code for use UU. */
export const SHORT_CONFLICT: Record<string, string> = {'both-modified': 'UU', 'both-added': 'AA', 'deleted-by-us': 'DU', 'deleted-by-them': 'UD', 'renamed-differently': 'UU', 'file-directory': 'UU'}

export interface ColumnOptions {
  /** Names a path as printed (relative to the current directory or the root, quoted or not). */
  name(p: string): string
  /** -z: records end with NUL, and a rename is `XY new NUL old` instead of `old -> new`. */
  nul: boolean
  /** -b: the `## branch...upstream [ahead n, behind m]` header first. */
  branch: boolean
  paint: Palette
}

interface Row {
  path: string
  x: string
  y: string
  oldPath?: string
  score?: number
}

/** One row per changed path (staged and unstaged merged, conflicts), sorted by path. */
function rows(res: StatusResult): Row[] {
  const out = new Map<string, Row>()
  for (const e of res.staged) out.set(e.path, {path: e.path, x: e.status, y: ' ', oldPath: e.oldPath, score: e.score})
  for (const e of res.unstaged) {
    const r = out.get(e.path)
    if (r) r.y = e.status
    else out.set(e.path, {path: e.path, x: ' ', y: e.status, oldPath: e.oldPath})
  }
  for (const c of res.conflicts) out.set(c.path, {path: c.path, x: SHORT_CONFLICT[c.kind]![0]!, y: SHORT_CONFLICT[c.kind]![1]!})
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** `## main...origin/main [ahead 1, behind 2]`, `## HEAD (no branch)`, `## No commits yet on main`. */
function branchHeader(res: StatusResult, paint: Palette): string {
  if (!res.head) return `## No commits yet on ${paint.green(res.branch ?? 'HEAD')}`
  if (!res.branch) return `## ${paint.red('HEAD (no branch)')}`
  let line = `## ${paint.green(res.branch)}`
  const u = res.upstream
  if (!u) return line
  line += `...${paint.red(u.ref)}`
  if (u.gone) return line + ' [gone]'
  const counts = [u.ahead ? `ahead ${paint.green(String(u.ahead))}` : '', u.behind ? `behind ${paint.red(String(u.behind))}` : ''].filter(Boolean)
  return counts.length ? `${line} [${counts.join(', ')}]` : line
}

/** The records of `--short` / `--porcelain` (v1), each without its terminator. */
export function shortRecords(res: StatusResult, o: ColumnOptions): string[] {
  const out: string[] = []
  if (o.branch) out.push(branchHeader(res, o.paint))
  for (const r of rows(res)) {
    const label = !r.oldPath ? o.name(r.path) : o.nul ? `${o.name(r.path)}\0${o.name(r.oldPath)}` : `${o.name(r.oldPath)} -> ${o.name(r.path)}`
    out.push(`${o.paint.green(r.x)}${o.paint.red(r.y)} ${label}`)
  }
  // Names bl cannot store are untracked too, as Git lists them.
  for (const p of [...res.untracked, ...res.invalid.map((b) => b.path)].sort()) out.push(`${o.paint.red('??')} ${o.name(p)}`)
  for (const p of res.ignored ?? []) out.push(`${o.paint.red('!!')} ${o.name(p)}`)
  return out
}

/** bl's ids are 64 hex digits; an absent version is all zeros, as Git's null id. */
const ZERO = '0'.repeat(64)
const id = (m: ModeId): string => m.id ?? ZERO

/**
 * `--porcelain=v2` records (Git's `1`, `2`, `u` and `?` lines; `# branch.*` headers with -b). bl
 * has no submodules (`N...`); a rename's score is its similarity index (R100: the same file id).
 */
export function porcelainV2Records(res: StatusResult, o: Omit<ColumnOptions, 'paint'>): string[] {
  const out: string[] = []
  if (o.branch) {
    out.push(`# branch.oid ${res.head ?? '(initial)'}`, `# branch.head ${res.branch ?? '(detached)'}`)
    if (res.upstream) {
      out.push(`# branch.upstream ${res.upstream.ref}`)
      if (!res.upstream.gone) out.push(`# branch.ab +${res.upstream.ahead} -${res.upstream.behind}`)
    }
  }
  const details = new Map((res.details ?? []).map((d) => [d.path, d]))
  for (const r of rows(res)) {
    const d = details.get(r.path)
    if (!d) continue
    const xy = `${r.x === ' ' ? '.' : r.x}${r.y === ' ' ? '.' : r.y}`
    if (d.stages) {
      const {base, ours, theirs} = d.stages
      out.push(`u ${xy} N... ${base.mode} ${ours.mode} ${theirs.mode} ${d.worktreeMode} ${id(base)} ${id(ours)} ${id(theirs)} ${o.name(r.path)}`)
    } else if (r.oldPath) out.push(`2 ${xy} N... ${d.head.mode} ${d.index.mode} ${d.worktreeMode} ${id(d.head)} ${id(d.index)} R${r.score ?? 100} ${o.name(r.path)}${o.nul ? '\0' : '\t'}${o.name(r.oldPath)}`)
    else out.push(`1 ${xy} N... ${d.head.mode} ${d.index.mode} ${d.worktreeMode} ${id(d.head)} ${id(d.index)} ${o.name(r.path)}`)
  }
  for (const p of [...res.untracked, ...res.invalid.map((b) => b.path)].sort()) out.push(`? ${o.name(p)}`)
  for (const p of res.ignored ?? []) out.push(`! ${o.name(p)}`)
  return out
}
