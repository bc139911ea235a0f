/**
 * bl reflog: every recorded move of a ref (HEAD by default), newest first, numbered as the
 * `<ref>@{N}` revisions that resolve them. Reflogs are local: they are what recovers a commit
 * after `reset --hard` or a deleted branch, until gc.
 */
import {BlError} from '../errors.js'
import {reflogRefName} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import type {ReflogEntry} from '../store/types.js'

/** One reflog entry as shown: the stored entry, numbered as N in `<ref>@{N}` (0 = newest). */
/**
 * `remote`: set on rows of a remote's audit log (`reflog <remote>/<branch>`), whose `ref` is then
 * the branch on that remote; such rows have no `<ref>@{N}` name (that syntax reads the local reflog).
 */
export type ReflogRow = Omit<ReflogEntry, 'seq'> & {index: number; remote?: string}

export interface ReflogOptions {
  /** HEAD (default), a branch or tag name, or a full refs/... name. */
  ref?: string
  maxCount?: number
}

export function reflog(repo: Repo, opts: ReflogOptions = {}): ReflogRow[] {
  const name = opts.ref ?? 'HEAD'
  const ref = reflogRefName(repo, name)
  if (!ref) throw new BlError('REF_NOT_FOUND', `no such ref: ${name}`, {hint: 'Give HEAD, a branch or a tag (`bl branch` and `bl tag` list them).', data: {ref: name}})
  const limit = opts.maxCount ?? Infinity
  const rows: ReflogRow[] = []
  for (const [index, e] of repo.store.reflog(ref).entries()) {
    if (rows.length >= limit) break
    rows.push({index, ref, old: e.old, new: e.new, name: e.name, email: e.email, time: e.time, tz: e.tz, message: e.message})
  }
  return rows
}
