/**
 * bl merge-base: the best common ancestors of two commits (every one of them in a criss-cross
 * history, newest first), and the ancestry test scripts use before a fast-forward.
 */
import {BlError} from '../errors.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'

export interface MergeBaseResult {
  /** The best common ancestor, or with `all` every one of them, newest first. */
  bases: Oid[]
}

export function mergeBase(repo: Repo, opts: {a: string; b: string; all?: boolean}): MergeBaseResult {
  const a = resolveRevision(repo, opts.a)
  const b = resolveRevision(repo, opts.b)
  // One read snapshot for the whole walk: a consistent view, and far fewer lock round-trips.
  const bases = repo.store.snapshot(() => new CommitGraph(repo.store).mergeBases(a, b))
  if (bases.length === 0)
    throw new BlError('NO_MERGE_BASE', `${opts.a} and ${opts.b} have no common ancestor`, {hint: 'Their histories are unrelated; `bl merge --allow-unrelated-histories` can still join them.', data: {a, b}})
  return {bases: opts.all ? bases : bases.slice(0, 1)}
}

/** Is `ancestor` reachable from `descendant` (a commit counts as its own ancestor, as in Git)? */
export function isAncestor(repo: Repo, opts: {ancestor: string; descendant: string}): {ancestor: boolean} {
  const a = resolveRevision(repo, opts.ancestor)
  const d = resolveRevision(repo, opts.descendant)
  return {ancestor: repo.store.snapshot(() => new CommitGraph(repo.store).isAncestor(a, d))}
}
