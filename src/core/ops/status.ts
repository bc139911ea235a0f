/**
 * bl status: staged changes (HEAD -> index), unstaged changes (index -> work tree) and
 * untracked files. Wholly untracked directories are shown as "dir/" unless `untrackedAll`.
 */
import {readSparse} from '../worktree/sparse.js'
import type {Change} from '../diff/diff.js'
import {renamedChanges, type RenameOptions} from '../diff/similarity.js'
import {readHead, readRef, shortRef} from '../refs/refs.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import {upstreamOf} from '../refs/upstream.js'
import type {Repo} from '../repo.js'
import {loadIndex} from '../worktree/index-state.js'
import {absPath, safeLstat, toRepoPath, underAny} from '../worktree/paths.js'
import {modeOf, type FlatEntry} from '../tree-build.js'
import {ancestorDirs, scanWorktree} from '../worktree/scan.js'
import {IgnoreRules} from '../worktree/ignore-rules.js'
import {headTree, indexAsFlat, saveRefreshed, treeMap, viewWorktree, viewWorktreeQuick, type StatusView} from './snapshot.js'
import type {IndexEntry} from '../store/types.js'
import {bisectStartedFrom} from './bisect-state.js'
import {conflictPaths, readOperation, type Conflict, type ConflictKind, type OperationKind} from './operation-state.js'

export interface StatusEntry {
  path: string
  status: 'A' | 'M' | 'D' | 'R' | 'T'
  oldPath?: string
  /** A rename's similarity index (100: the same content). */
  score?: number
}

export interface StatusResult {
  branch: string | null
  head: string | null
  staged: StatusEntry[]
  unstaged: StatusEntry[]
  untracked: string[]
  /** With `ignored`: the untracked files .blignore ignores (directories of nothing else as `dir/`). */
  ignored?: string[]
  /** Files whose names bl cannot store (reported, never added). */
  invalid: Array<{path: string; problem: string}>
  /** A merge, cherry-pick, revert or rebase stopped on conflicts (null when none is in progress). */
  operation: {kind: OperationKind; theirs: string; label: string; remaining: number} | null
  /** Conflicted paths (not listed under staged/unstaged until resolved). */
  conflicts: Array<{path: string; kind: ConflictKind}>
  /** The current branch's upstream and how far HEAD is ahead of / behind it (null when none). */
  upstream: {ref: string; ahead: number; behind: number; gone: boolean} | null
  /** A sparse work tree (lazy clone): the pathspecs checked out (null: the whole tree is). */
  sparse: {include: string[]} | null
  /** A bisection in progress: the branch it started from (null when it started detached). */
  bisect: {startBranch: string | null} | null
  clean: boolean
  /** With `details` (porcelain v2): modes and ids of each changed or conflicted path. */
  details?: StatusDetail[]
}

/** A Git mode (`100644`, `100755`, `120000`; `000000` = absent) and an id (null = absent). */
export interface ModeId {
  mode: string
  id: string | null
}

/** What porcelain v2 prints for a path: its HEAD, index and work-tree versions; a conflict's three sides. */
export interface StatusDetail {
  path: string
  head: ModeId
  index: ModeId
  worktreeMode: string
  stages?: {base: ModeId; ours: ModeId; theirs: ModeId}
}

function toEntries(changes: Change[]): StatusEntry[] {
  return changes.map((c) => (c.oldPath ? {path: c.path, status: c.status, oldPath: c.oldPath, score: c.score ?? 100} : {path: c.path, status: c.status}))
}

export interface StatusOptions {
  paths?: string[]
  untrackedAll?: boolean
  /** Git's --ignored: also list the untracked files .blignore ignores (`ignored`). */
  ignored?: boolean
  /** false: walk the tree in JavaScript even where the native tracked scan could be used (tests compare the two). */
  quick?: boolean
  /** Add `details` (modes and ids, for `--porcelain=v2`). */
  details?: boolean
  /** Rename detection among staged changes (default on, Git's 50%); false: none. */
  renames?: RenameOptions | false
}

export function status(repo: Repo, opts: StatusOptions = {}): StatusResult {
  const specs = (opts.paths ?? []).map((p) => toRepoPath(repo, p))
  const head = readHead(repo)
  // Decoded only when needed: a status of the whole tree right after a commit needs none of it.
  let index: Map<string, IndexEntry> | undefined
  const getIndex = (): Map<string, IndexEntry> => (index ??= loadIndex(repo))
  const inSpec = (p: string): boolean => underAny(p, specs)
  const hTree = headTree(repo)
  // Right after a commit the index is known to equal HEAD's tree: no need to load and compare.
  const staged =
    hTree !== null && repo.store.indexTree() === hTree
      ? []
      : renamedChanges(repo.store, treeMap(repo, hTree), indexAsFlat(getIndex()), opts.renames).filter((c) => inSpec(c.path) || (c.oldPath !== undefined && inSpec(c.oldPath)))

  const view = viewForStatus(repo, specs, getIndex, opts.quick ?? true)
  const unstaged: StatusEntry[] = []
  for (const [p, t] of view.dirty) {
    unstaged.push({path: p, status: t.st ? (t.st.isSymbolicLink() !== (t.entry.kind === 'symlink') ? 'T' : 'M') : 'D'})
  }
  unstaged.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  saveRefreshed(repo, view.refreshed)

  const paths = view.untracked.map((f) => f.path)
  const untracked = opts.untrackedAll ? paths.sort() : collapseUntracked(paths, (d) => !view.trackedDir(d))
  view.invalid.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const op = readOperation(repo)
  const conflicts = (op?.conflicts ?? []).filter((c) => inSpec(c.path)).map((c) => ({path: c.path, kind: c.kind}))
  const inConflict = conflictPaths(op?.conflicts ?? [])
  const notConflicted = (e: StatusEntry): boolean => !inConflict.has(e.path)
  const res: StatusResult = {
    branch: head.branch ? shortRef(head.branch) : null,
    head: head.oid,
    staged: toEntries(staged).filter(notConflicted),
    unstaged: unstaged.filter(notConflicted),
    untracked,
    invalid: view.invalid,
    operation: op ? {kind: op.kind, theirs: op.theirs, label: op.theirsLabel, remaining: op.todo.length} : null,
    upstream: aheadBehind(repo, head.branch, head.oid),
    sparse: readSparse(repo),
    bisect: bisectStartedFrom(repo),
    conflicts,
    clean: staged.length === 0 && unstaged.length === 0 && untracked.length === 0 && conflicts.length === 0,
  }
  if (opts.details) res.details = details(repo, res, hTree, getIndex(), op?.conflicts ?? [])
  if (opts.ignored) {
    // Git's "traditional" listing: a directory with no tracked files and nothing untracked but
    // ignored files is shown as `dir/` (unless -uall, which lists every file).
    const {files: found, trackedDirs} = ignoredFiles(repo, specs, getIndex())
    const untrackedDirs = ancestorDirs(paths)
    res.ignored = opts.untrackedAll ? found.sort() : collapseUntracked(found, (d) => !trackedDirs.has(d) && !untrackedDirs.has(d))
  }
  return res
}

const ABSENT: ModeId = {mode: '000000', id: null}
const modeId = (e: FlatEntry | IndexEntry | undefined): ModeId => (e ? {mode: modeOf(e), id: e.id} : ABSENT)

function details(repo: Repo, res: StatusResult, hTree: Oid | null, index: Map<string, IndexEntry>, conflicts: Conflict[]): StatusDetail[] {
  const headMap = treeMap(repo, hTree)
  const paths = new Map<string, string>()
  for (const e of [...res.staged, ...res.unstaged]) paths.set(e.path, e.oldPath ?? paths.get(e.path) ?? e.path)
  const worktreeMode = (p: string): string => {
    const st = safeLstat(absPath(repo, p))
    return !st || st.isDirectory() ? '000000' : st.isSymbolicLink() ? '120000' : st.mode & 0o111 ? '100755' : '100644'
  }
  const out: StatusDetail[] = [...paths].map(([p, from]) => ({path: p, head: modeId(headMap.get(from)), index: modeId(index.get(p)), worktreeMode: worktreeMode(p)}))
  for (const c of conflicts) {
    if (!res.conflicts.some((r) => r.path === c.path)) continue
    out.push({path: c.path, head: modeId(headMap.get(c.path)), index: modeId(index.get(c.path)), worktreeMode: worktreeMode(c.path), stages: {base: modeId(c.base), ours: modeId(c.ours), theirs: modeId(c.theirs)}})
  }
  return out
}

/** Commits on HEAD the upstream lacks (ahead) and the other way round (behind), as `git status` says. */
export function aheadBehind(repo: Repo, branch: string | null, headOid: string | null): StatusResult['upstream'] {
  if (!branch) return null
  const up = upstreamOf(repo, branch)
  if (!up) return null
  const name = up.tracking.replace(/^refs\/remotes\//, '')
  const tip = readRef(repo, up.tracking)
  if (!tip || !headOid) return {ref: name, ahead: 0, behind: 0, gone: !tip}
  // Exact counts walk both histories (O(commits)); in one read snapshot that is ~20 ms per 1,000.
  const g = new CommitGraph(repo.store)
  return repo.store.snapshot(() => ({ref: name, ahead: g.range([headOid as Oid], [tip]).length, behind: g.range([tip], [headOid as Oid]).length, gone: false}))
}

/**
 * The work tree against the index: by the native tracked scan for the whole tree (`quick`, where
 * the addon is built), else by walking it with the decoded index. Both give the same answers.
 */
export function viewForStatus(repo: Repo, specs: string[], getIndex: () => Map<string, IndexEntry>, quick: boolean): StatusView {
  const fast = quick && specs.length === 0 ? viewWorktreeQuick(repo) : null
  if (fast) return fast
  const index = getIndex()
  const dirs = ancestorDirs(index.keys())
  return {...viewWorktree(repo, index, specs.length ? specs : ['']), trackedDir: (d) => dirs.has(d)}
}

/**
 * Each file as "dir/" for its shallowest directory that `collapsible` accepts (status: one holding
 * no tracked file, as Git's default status shows), sorted and without repeats.
 */
export function collapseUntracked(files: string[], collapsible: (dir: string) => boolean): string[] {
  const out = new Set<string>()
  for (const f of files) {
    const parts = f.split('/')
    let shown = f
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/')
      if (collapsible(d)) {
        shown = d + '/'
        break
      }
    }
    out.add(shown)
  }
  return [...out].sort()
}

/** Untracked files .blignore ignores, and which directories of them can be shown as `dir/` (wholly ignored and untracked). */
export function ignoredFiles(repo: Repo, specs: string[], index: Map<string, IndexEntry>): {files: string[]; collapsible: (dir: string) => boolean; trackedDirs: Set<string>} {
  const rules = new IgnoreRules(repo.root)
  const trackedDirs = ancestorDirs(index.keys())
  const scan = scanWorktree(repo, {specs: specs.length ? specs : [''], tracked: index, trackedDirs, needStat: () => false, includeIgnored: true})
  return {files: scan.files.map((f) => f.path).filter((p) => !index.has(p) && rules.ignores(p, false)), collapsible: (d) => !trackedDirs.has(d) && rules.ignores(d, true), trackedDirs}
}
