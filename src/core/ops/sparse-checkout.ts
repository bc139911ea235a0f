/**
 * bl sparse-checkout: which part of the tree is in the work tree (worktree/sparse.ts), as Git's
 * command of that name manages it. `set` can narrow the set: files that leave it are removed from
 * disk but stay tracked (commits keep them), which with `gc --evict` is how a big dataset's clone
 * gives back the disk a part of it took. A file with local changes is never removed: the command
 * refuses before changing anything.
 */
import {BlError} from '../errors.js'
import type {Repo} from '../repo.js'
import {loadIndex} from '../worktree/index-state.js'
import {removeEntry} from '../worktree/materialize.js'
import {absPath, safeLstat, toRepoPath} from '../worktree/paths.js'
import {absentByDesign, outsideSparse, readSparse, writeSparse, type Sparse} from '../worktree/sparse.js'
import {materializeAbsent, notCheckedOut, type SwitchOptions} from './checkout.js'
import {requireNoOperation} from './operation-state.js'
import {viewWorktree} from './snapshot.js'

export interface SparseList {
  /** Is the work tree sparse (only the include set checked out)? */
  sparse: boolean
  /** The include set's pathspecs (empty when not sparse: everything is in). */
  include: string[]
}

export interface SparseChange extends SparseList {
  /** Files written because they entered the set. */
  written: string[]
  /** Files removed from disk because they left it (still tracked). */
  removed: string[]
}

export function sparseList(repo: Repo): SparseList {
  const s = readSparse(repo)
  return {sparse: s !== null, include: s ? [...new Set(s.include)].sort() : []}
}

type Progress = SwitchOptions['progress']

/** `set`: the include set becomes `paths` (relative to the current directory); `.` ends sparseness. */
export async function sparseSet(repo: Repo, paths: string[], progress?: Progress): Promise<SparseChange> {
  return change(repo, specsOf(repo, paths, 'set'), progress)
}

/** `add`: more paths into the set of a sparse work tree. */
export async function sparseAdd(repo: Repo, paths: string[], progress?: Progress): Promise<SparseChange> {
  const old = readSparse(repo)
  if (!old) throw new BlError('INVALID_ARGUMENT', 'the work tree is not sparse: there is nothing to add to', {hint: 'Everything is checked out already; `bl sparse-checkout set <path>...` makes it sparse.'})
  return change(repo, [...old.include, ...specsOf(repo, paths, 'add')], progress)
}

/** `disable`: everything in the work tree again. */
export async function sparseDisable(repo: Repo, progress?: Progress): Promise<SparseChange> {
  return change(repo, [''], progress)
}

function specsOf(repo: Repo, paths: string[], verb: string): string[] {
  if (paths.length === 0) throw new BlError('INVALID_ARGUMENT', `sparse-checkout ${verb} needs at least one path`, {hint: `Name directories, files or globs: \`bl sparse-checkout ${verb} images/2024 'labels/*.csv'\`.`})
  return paths.map((p) => toRepoPath(repo, p))
}

/**
 * Moves the work tree to the include set `specs` ('' among them: everything). Order, for a crash at
 * any point: files entering the set are written first (fetched first in a lazy clone: a failed
 * fetch changes nothing); then the new set is recorded with the leaving files' entries marked not
 * checked out; only then are those files deleted, so an interrupted run leaves at most clean files
 * on disk outside the set, which compare as unchanged.
 */
async function change(repo: Repo, specs: string[], progress?: Progress): Promise<SparseChange> {
  requireNoOperation(repo, 'change the sparse checkout')
  const old = readSparse(repo)
  const next: Sparse | null = specs.includes('') ? null : {include: [...new Set(specs)].sort()}
  const index = loadIndex(repo)
  const leaving = [...index.values()].filter((e) => outsideSparse(next, e.path) && !outsideSparse(old, e.path) && safeLstat(absPath(repo, e.path)))
  if (leaving.length) {
    const dirty = viewWorktree(repo, index, [''], false).dirty
    const changed = leaving.filter((e) => dirty.has(e.path)).map((e) => e.path)
    if (changed.length)
      throw new BlError('LOCAL_CHANGES', `cannot take ${changed.length === 1 ? changed[0] : `${changed.length} files (${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', ...' : ''})`} out of the work tree: local changes would be lost`, {
        hint: 'Commit or stash them (or `bl restore` them), or keep their paths in the set; nothing was changed.',
        data: {paths: changed},
      })
  }
  // Only what the old set left out comes in: a file the user deleted inside it stays deleted.
  const written = await materializeAbsent(repo, next ? next.include : [''], progress, (e) => absentByDesign(old, e.path, e))
  repo.store.transaction(
    () => {
      writeSparse(repo, next)
      for (const e of leaving) repo.store.putIndexEntry(notCheckedOut(e.path, {kind: e.kind === 'symlink' ? 'symlink' : 'file', exec: e.exec, size: e.size, id: e.id}))
    },
    {durable: true},
  )
  for (const e of leaving) removeEntry(repo, e.path)
  return {...sparseList(repo), written, removed: leaving.map((e) => e.path)}
}
