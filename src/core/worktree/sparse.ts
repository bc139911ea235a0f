/**
 * Sparse work trees. After `clone --no-checkout` nothing is in the work tree; `checkout -- <path|glob>`
 * and `pull --include <glob>` add pathspecs to the include set and bring just those files. Paths
 * outside the set stay tracked in the index (so commits keep them) but are absent on disk, and an
 * absent file outside the set is "not checked out", never "deleted" (Git's skip-worktree).
 * A file the user puts at such a path is compared as usual.
 */
import {BlError} from '../errors.js'
import type {Repo} from '../repo.js'
import {underAny} from './paths.js'

const STATE_KEY = 'sparse'

export interface Sparse {
  /** Pathspecs (repo paths, directories or Git-style wildcards) that are in the work tree. */
  include: string[]
}

export function encodeSparse(s: Sparse): string {
  return JSON.stringify({include: [...new Set(s.include)].sort()})
}

/** The stored include set; CORRUPT_DATABASE unless it is `{"include": [pathspec, ...]}`. */
export function decodeSparse(raw: string): Sparse {
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    v = undefined
  }
  const include = typeof v === 'object' && v !== null ? (v as {include?: unknown}).include : undefined
  if (!Array.isArray(include) || !include.every((x) => typeof x === 'string'))
    throw new BlError('CORRUPT_DATABASE', 'the saved sparse checkout (the paths checked out) is unreadable', {hint: 'Restore .bl/ from a backup, or clone the repository again.'})
  return {include}
}

export function readSparse(repo: Repo): Sparse | null {
  const raw = repo.store.getState(STATE_KEY)
  return raw === undefined ? null : decodeSparse(raw)
}

/**
 * Saves the include set (null: the whole tree is checked out again, as is an include set holding
 * the root: `bl checkout -- .` ends sparseness). Call inside a transaction.
 */
export function writeSparse(repo: Repo, s: Sparse | null): void {
  if (s === null || s.include.includes('')) repo.store.deleteState(STATE_KEY)
  else repo.store.setState(STATE_KEY, encodeSparse(s))
}

/** Is `p` outside the sparse include set (so absent on disk by design)? */
export function outsideSparse(s: Sparse | null, p: string): boolean {
  return s !== null && !underAny(p, s.include.length ? s.include : [NOTHING])
}

/** A pathspec no repo path can equal (repo paths never start with '/'). */
const NOTHING = '/'

/**
 * Is tracked file `p`, absent from disk, "not checked out" rather than deleted? In a sparse work
 * tree: when it is outside the include set, or when its index entry was never written out (no stat
 * data: it was just included, and the next switch, pull or checkout brings it in).
 */
export function absentByDesign(s: Sparse | null, p: string, e: {mtime: number; ino: number; checked: number}): boolean {
  return s !== null && (outsideSparse(s, p) || (e.mtime === 0 && e.ino === 0 && e.checked === 0))
}
