/**
 * bl diff: path-level changes between two of {a commit's tree, the index, the work tree}.
 * Renames: exact (same file id), then by similarity (diff/similarity.ts). Work-tree files are
 * hashed only when the stat cache can't vouch for them.
 */
import fs from 'node:fs'
import path from 'node:path'
import {BlError} from '../errors.js'
import type {Change} from '../diff/diff.js'
import {renamedChanges, type RenameOptions} from '../diff/similarity.js'
import type {Oid} from '../hash.js'
import {isRevision, resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import type {FlatEntry} from '../tree-build.js'
import {loadIndex, worktreeId} from '../worktree/index-state.js'
import {toRepoPath, underAny} from '../worktree/paths.js'
import {commitTree, flatOf, indexAsFlat, saveRefreshed, treeMap, viewWorktree, viewWorktreeQuick, type WorktreeView} from './snapshot.js'
import {mergeBase} from './merge-base.js'
import {readOperation, type ConflictKind, type ConflictSide} from './operation-state.js'

export interface DiffOptions {
  revs: string[]
  cached?: boolean
  paths?: string[]
  /** false: compare the whole work tree in JavaScript even where the native tracked scan could be used (tests compare the two). */
  quick?: boolean
  /** Rename detection (default on, Git's 50%); false: none, not even exact (`--no-renames`). */
  renames?: RenameOptions | false
}

export interface DiffResult {
  from: string
  to: string
  changes: Change[]
  /** Work tree vs index during a stopped operation: each conflicted path's three versions. */
  conflicts?: Array<{path: string; kind: ConflictKind; base: SideInfo | null; ours: SideInfo | null; theirs: SideInfo | null}>
}

export interface SideInfo {
  path: string
  id: Oid
  size: number
  kind: FlatEntry['kind']
}

export function diff(repo: Repo, opts: DiffOptions): DiffResult {
  // Without `--`, an argument that is not a revision but names a file is a path (Git's guess).
  const revArgs: string[] = []
  const extraPaths: string[] = []
  for (const a of opts.revs) {
    if (!a.includes('..') && !isRevision(repo, a) && fs.existsSync(path.resolve(repo.ctx.cwd, a))) extraPaths.push(a)
    else revArgs.push(a)
  }
  const specs = [...(opts.paths ?? []), ...extraPaths].map((p) => toRepoPath(repo, p))
  let revs = revArgs
  if (revs.length === 1 && revs[0]!.includes('...')) {
    // Git's A...B: what B changed since it forked from A (the diff from their merge base to B).
    const [a, b] = revs[0]!.split('...')
    revs = [mergeBase(repo, {a: a || 'HEAD', b: b || 'HEAD'}).bases[0]!, b || 'HEAD']
  } else if (revs.length === 1 && revs[0]!.includes('..')) {
    const [a, b] = revs[0]!.split('..')
    revs = [a || 'HEAD', b || 'HEAD']
  }
  if (revs.length > 2) throw new BlError('INVALID_ARGUMENT', 'diff takes at most two revisions', {hint: 'Use `bl diff A B -- paths`.'})
  let before: Map<string, FlatEntry>
  let after: Map<string, FlatEntry>
  let from: string
  let to: string
  const treeOf = (rev: string): Map<string, FlatEntry> => treeMap(repo, commitTree(repo, resolveRevision(repo, rev)))
  if (revs.length === 2) {
    before = treeOf(revs[0]!)
    after = treeOf(revs[1]!)
    ;[from, to] = [revs[0]!, revs[1]!]
  } else if (opts.cached) {
    before = revs.length ? treeOf(revs[0]!) : headOrEmpty(repo)
    after = indexAsFlat(loadIndex(repo))
    ;[from, to] = [revs[0] ?? 'HEAD', 'index']
  } else {
    // The work tree against the index holds no added file (untracked ones are not diffed), so no
    // rename either: the changed paths alone give the whole diff, and the tracked scan finds them.
    const quick = revs.length === 0 && specs.length === 0 && (opts.quick ?? true) ? viewWorktreeQuick(repo) : null
    if (quick) {
      saveRefreshed(repo, quick.refreshed)
      before = new Map([...quick.dirty].map(([p, t]) => [p, flatOf(t.entry)]))
      after = dirtyAsFlat(repo, quick.dirty)
    } else {
      const index = loadIndex(repo)
      before = revs.length ? treeOf(revs[0]!) : indexAsFlat(index)
      after = worktreeMap(repo, index, specs)
    }
    ;[from, to] = [revs[0] ?? 'index', 'worktree']
  }
  const changes = renamedChanges(repo.store, filter(before, specs), filter(after, specs), opts.renames)
  if (revs.length > 0 || opts.cached) return {from, to, changes}
  const op = readOperation(repo)
  if (!op || op.conflicts.length === 0) return {from, to, changes}
  const info = (e: ConflictSide | undefined): SideInfo | null => (e ? {path: e.path, id: e.id, size: e.size, kind: e.kind} : null)
  const conflicts = op.conflicts.filter((c) => specs.length === 0 || underAny(c.path, specs)).map((c) => ({path: c.path, kind: c.kind, base: info(c.base), ours: info(c.ours), theirs: info(c.theirs), ...(c.markers ? {markers: c.markers} : {})}))
  return {from, to, changes, conflicts}
}

function headOrEmpty(repo: Repo): Map<string, FlatEntry> {
  try {
    return treeMap(repo, commitTree(repo, resolveRevision(repo, 'HEAD')))
  } catch (err) {
    if (err instanceof BlError && err.code === 'UNKNOWN_REVISION') return new Map()
    throw err
  }
}

function filter(m: Map<string, FlatEntry>, specs: string[]): Map<string, FlatEntry> {
  if (specs.length === 0) return m
  return new Map([...m].filter(([p]) => underAny(p, specs)))
}

/** Tracked files as they are in the work tree (content ids), for diffs against it. */
function worktreeMap(repo: Repo, index: ReturnType<typeof loadIndex>, specs: string[]): Map<string, FlatEntry> {
  const view = viewWorktree(repo, index, specs.length ? specs : [''], false)
  saveRefreshed(repo, view.refreshed)
  const m = dirtyAsFlat(repo, view.dirty)
  for (const p of view.clean) m.set(p, flatOf(index.get(p)!))
  return m
}

/** Changed tracked files as they are in the work tree now (gone ones are left out). */
function dirtyAsFlat(repo: Repo, dirty: WorktreeView['dirty']): Map<string, FlatEntry> {
  const m = new Map<string, FlatEntry>()
  for (const [p, t] of dirty) {
    if (!t.st) continue
    const kind = t.st.isSymbolicLink() ? 'symlink' : 'file'
    const exec = kind === 'file' && (t.st.mode & 0o100) !== 0
    if (t.currentId) m.set(p, {kind, exec, size: t.currentSize!, id: t.currentId as Oid})
    else {
      // Changed kind or size without a re-hash: hash now so renames and ids are exact.
      const cur = worktreeId(repo, p, t.st)
      m.set(p, {kind, exec, size: cur.size, id: cur.id})
    }
  }
  return m
}

