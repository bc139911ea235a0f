/**
 * bl merge-base: the best common ancestors of two commits (every one of them in a criss-cross
 * history, newest first), and the ancestry test scripts use before a fast-forward.
 */
import {BlError} from '../errors.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import {abbrevRef, refOfRevision, resolveRevision} from '../refs/revision.js'
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

/**
 * Git's fork point: where `commit`'s history forked from `ref` as `ref` was then, using every
 * value the ref's reflog remembers. When a remote rewrote the upstream (a force-push), the
 * commits the old upstream had are behind the fork point, so a rebase does not replay them.
 * It is the best common ancestor of `commit` and all those values, if that is one of them;
 * otherwise there is none (null).
 */
export function findForkPoint(repo: Repo, graph: CommitGraph, ref: string, commit: Oid): Oid | null {
  const values = new Set<Oid>()
  const now = repo.store.getRef(ref)?.oid
  if (now) values.add(now)
  // Entries whose commit is gone (a pruned ref's history, an evicted clone) cannot be walked.
  for (const e of repo.store.reflog(ref)) if (e.new && repo.store.hasObject(e.new)) values.add(e.new)
  if (values.size === 0) return null
  const bases = graph.mergeBasesMany(commit, [...values])
  return bases.length === 1 && values.has(bases[0]!) ? bases[0]! : null
}

/** `bl merge-base --fork-point <ref> [<commit>]`. */
export function forkPoint(repo: Repo, opts: {ref: string; commit?: string}): {forkPoint: Oid | null; ref: string} {
  resolveRevision(repo, opts.ref) // an unknown name is UNKNOWN_REVISION (exit 4), as elsewhere
  const ref = refOfRevision(repo, opts.ref)
  if (!ref || !ref.startsWith('refs/'))
    throw new BlError('INVALID_ARGUMENT', `${opts.ref} is not a ref`, {hint: 'The fork point reads a ref\'s reflog: name a branch or a remote-tracking branch (origin/main).', data: {rev: opts.ref}})
  const commit = resolveRevision(repo, opts.commit ?? 'HEAD')
  const fp = repo.store.snapshot(() => findForkPoint(repo, new CommitGraph(repo.store), ref, commit))
  return {forkPoint: fp, ref: abbrevRef(repo, ref)}
}
