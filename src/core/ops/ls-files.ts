/**
 * bl ls-files: the files of the index, and with options the tracked files the work tree has
 * deleted or modified and the untracked or ignored ones, as `git ls-files` lists them (for
 * scripts). Without pathspecs only what is under the current directory is listed, as in Git. The
 * work tree is compared as `bl status` compares it (the stat cache; unchanged files are not read).
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import type {EntryKind} from '../objects/tree.js'
import {modeOf} from '../tree-build.js'
import {IgnoreRules} from '../worktree/ignore-rules.js'
import {loadIndex} from '../worktree/index-state.js'
import {toRepoPath, underAny, underSpec} from '../worktree/paths.js'
import {conflictPaths, readOperation} from './operation-state.js'
import {saveRefreshed, type StatusView} from './snapshot.js'
import {collapseUntracked, ignoredFiles, viewForStatus} from './status.js'

export interface LsFilesOptions {
  /** Pathspecs as the user gave them (relative to the current directory). */
  paths?: string[]
  /** -c: the index's files (the default when no other list is asked for). */
  cached?: boolean
  /** -d: tracked files missing from the work tree. */
  deleted?: boolean
  /** -m: tracked files the work tree changed (deleted ones too, as in Git). */
  modified?: boolean
  /** -o: untracked files (never those .blignore ignores). */
  others?: boolean
  /** -i: with -o only ignored untracked files; with -c only tracked files .blignore would ignore. */
  ignored?: boolean
  /** --directory: a wholly untracked (with -i: ignored) directory as `dir/`. */
  directory?: boolean
  /** -s: every index row (conflicts: their stages 1-3 instead of the merged entry). */
  stage?: boolean
  /** -u: only the stages of conflicted paths. */
  unmerged?: boolean
  /** --error-unmatch: a pathspec that matches nothing listed is PATHSPEC_NO_MATCH. */
  errorUnmatch?: boolean
}

export type LsFilesStatus = 'cached' | 'unmerged' | 'deleted' | 'modified' | 'other' | 'ignored'

export interface LsFilesEntry {
  /** Repository path (a directory, with --directory, ends in `/`). */
  path: string
  status: LsFilesStatus
  /** For rows of the index: Git's mode, the file's id and its stage (0; 1-3 for a conflict's base, ours, theirs). */
  mode?: string
  id?: Oid
  stage?: number
}

interface IndexRow {
  path: string
  stage: number
  entry: {kind: EntryKind; exec: boolean; id: Oid}
}

export function lsFiles(repo: Repo, opts: LsFilesOptions = {}): LsFilesEntry[] {
  if (opts.ignored && !opts.others && !opts.cached)
    throw new BlError('INVALID_ARGUMENT', '-i/--ignored must be used with -o/--others or -c/--cached', {hint: '`bl ls-files -o -i` lists the untracked files .blignore ignores.'})
  const raw = opts.paths ?? []
  // No pathspec: what is under the current directory, as Git lists it.
  const specs = (raw.length ? raw : ['.']).map((p) => toRepoPath(repo, p))
  const walkSpecs = specs.includes('') ? [] : specs
  const showStage = Boolean(opts.stage || opts.unmerged)
  const showCached = Boolean(opts.cached || showStage || !(opts.deleted || opts.modified || opts.others))
  const matched = new Set<number>()
  const note = (p: string): void => {
    specs.forEach((s, i) => {
      if (!matched.has(i) && underSpec(p, s)) matched.add(i)
    })
  }

  let index: Map<string, IndexEntry> | undefined
  const getIndex = (): Map<string, IndexEntry> => (index ??= loadIndex(repo))
  let view: StatusView | undefined
  if (opts.deleted || opts.modified || (opts.others && !opts.ignored)) {
    view = viewForStatus(repo, walkSpecs, getIndex, true)
    saveRefreshed(repo, view.refreshed)
  }

  const out: LsFilesEntry[] = []
  // Git lists the untracked files first, then the index.
  if (opts.others) {
    const found = opts.ignored ? ignoredFiles(repo, walkSpecs, getIndex()) : {files: [...view!.untracked.map((f) => f.path), ...view!.invalid.map((f) => f.path)], collapsible: (d: string) => !view!.trackedDir(d)}
    for (const p of found.files) note(p)
    const shown = opts.directory ? collapseUntracked(found.files, found.collapsible) : found.files.sort()
    for (const p of shown) out.push({path: p, status: opts.ignored ? 'ignored' : 'other'})
  }

  if (showCached || opts.deleted || opts.modified) {
    const ignoredRule = opts.ignored && opts.cached ? new IgnoreRules(repo.root) : null
    const byPath = indexRows(repo, getIndex(), walkSpecs)
    for (const [p, rows] of byPath) {
      const row = (r: IndexRow, status: LsFilesStatus): LsFilesEntry => {
        note(p)
        return {path: p, status, mode: modeOf(r.entry), id: r.entry.id, stage: r.stage}
      }
      if (showCached && !(ignoredRule && !ignoredRule.ignores(p, false)))
        for (const r of rows) if (!opts.unmerged || r.stage > 0) out.push(row(r, r.stage > 0 ? 'unmerged' : 'cached'))
      const dirty = view?.dirty.get(p)
      if (!dirty) continue
      if (opts.deleted && !dirty.st) out.push(row({path: p, stage: 0, entry: dirty.entry}, 'deleted'))
      if (opts.modified) out.push(row({path: p, stage: 0, entry: dirty.entry}, 'modified'))
    }
  }

  if (opts.errorUnmatch && raw.length) {
    const i = specs.findIndex((_, n) => !matched.has(n))
    if (i >= 0)
      throw new BlError('PATHSPEC_NO_MATCH', `pathspec '${raw[i]}' did not match any file(s) known to bl`, {hint: 'Did you forget to `bl add` it? (`bl status` lists untracked files.)', data: {path: raw[i]}})
  }
  return out
}

/**
 * The index under `specs` in path order, each path with its rows: stage 0, or for a path a stopped
 * merge left in conflict the versions of its sides (1 base, 2 ours, 3 theirs), as Git's index
 * holds them; bl keeps those in the operation's state and a merged entry in the index.
 */
function indexRows(repo: Repo, index: Map<string, IndexEntry>, specs: string[]): Map<string, IndexRow[]> {
  const byPath = new Map<string, IndexRow[]>()
  const conflicts = readOperation(repo)?.conflicts ?? []
  const conflicted = conflictPaths(conflicts)
  for (const [p, e] of index) if (!conflicted.has(p) && underAny(p, specs)) byPath.set(p, [{path: p, stage: 0, entry: e}])
  for (const c of conflicts)
    [c.base, c.ours, c.theirs].forEach((side, i) => {
      if (!side || !underAny(side.path, specs)) return
      const rows = byPath.get(side.path) ?? []
      rows.push({path: side.path, stage: i + 1, entry: side})
      byPath.set(side.path, rows)
    })
  const sorted = [...byPath].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  for (const [, rows] of sorted) rows.sort((a, b) => a.stage - b.stage)
  return new Map(sorted)
}

