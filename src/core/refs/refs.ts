/**
 * References: HEAD (symbolic, or detached on a commit id), branches (refs/heads/*) and tags
 * (refs/tags/*). Every move is a compare-and-swap inside a write transaction and appends to the
 * reflog, so two processes racing to move one branch can never lose a commit silently.
 */
import {BlError, printable} from '../errors.js'
import type {Oid} from '../hash.js'
import type {Repo} from '../repo.js'

export const HEADS = 'refs/heads/'
export const TAGS = 'refs/tags/'

/** Git's check-ref-format rules for the part after refs/heads/ or refs/tags/. */
export function refNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty'
  if (name === '@' || name === 'HEAD') return 'is reserved'
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return 'contains a space, control character or one of ~ ^ : ? * [ \\'
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'has an empty path component'
  if (name.startsWith('-')) return 'starts with "-"'
  if (name.includes('..') || name.includes('@{')) return 'contains ".." or "@{"'
  if (name.endsWith('.') || name.endsWith('.lock')) return 'ends with "." or ".lock"'
  if (name.split('/').some((c) => c.startsWith('.'))) return 'has a component starting with "."'
  return null
}

export function checkBranchName(name: string, what = 'branch'): string {
  const p = refNameProblem(name)
  if (p) throw new BlError('BAD_REF_NAME', `"${printable(name)}" is not a valid ${what} name: it ${p}`, {hint: 'Use letters, digits, "-", "_", "." and "/" (e.g. feature/cleanup).'})
  return name
}

/**
 * The problem with a full branch or tag name (refs/heads/x, refs/tags/x), or null. A remote holds
 * only those two namespaces (others would be invisible to fetch and ls-remote).
 */
export function fullRefNameProblem(ref: string): string | null {
  const prefix = ref.startsWith(HEADS) ? HEADS : ref.startsWith(TAGS) ? TAGS : null
  if (!prefix) return 'is not under refs/heads/ or refs/tags/'
  return refNameProblem(ref.slice(prefix.length))
}

export interface Head {
  /** The branch ref HEAD points at (refs/heads/x), or null when detached. */
  branch: string | null
  /** The commit HEAD resolves to, or null on an unborn branch. */
  oid: Oid | null
}

export function readHead(repo: Repo): Head {
  const row = repo.store.getRef('HEAD')
  if (!row) throw new BlError('CORRUPT_DATABASE', 'HEAD is missing', {hint: 'Run `bl checkout <branch>` to set it.'})
  if (row.symref) return {branch: row.symref, oid: repo.store.getRef(row.symref)?.oid ?? null}
  return {branch: null, oid: row.oid}
}

/**
 * Refuses a new ref that would be both a ref and a directory of refs (`a` and `a/b`), as Git
 * does: a remote stores each ref as a file (`refs/heads/a`), so it could hold only one of them.
 * `except` is a ref about to go away (the old name of a rename).
 */
export function refuseRefDirectoryClash(repo: Repo, ref: string, except?: string): void {
  const clash = (name: string): boolean => name !== except && name !== ref
  let other = repo.store.listRefs(ref + '/').find((r) => clash(r.name))?.name
  for (let i = ref.indexOf('/', ref.indexOf('/', 5) + 1); !other && i > 0; i = ref.indexOf('/', i + 1)) {
    const dir = ref.slice(0, i)
    if (clash(dir) && repo.store.getRef(dir)) other = dir
  }
  if (other)
    throw new BlError('REF_EXISTS', `'${other}' exists; cannot create '${ref}'`, {hint: 'A name cannot be both a branch (or tag) and a directory of them: pick another name, or rename or delete the other one.', data: {ref, existing: other}})
}

export function readRef(repo: Repo, name: string): Oid | null {
  const row = repo.store.getRef(name)
  if (!row) return null
  if (row.symref) return readRef(repo, row.symref)
  return row.oid
}

export function shortRef(name: string): string {
  if (name.startsWith(HEADS)) return name.slice(HEADS.length)
  if (name.startsWith(TAGS)) return name.slice(TAGS.length)
  return name
}

export interface RefUpdate {
  ref: string
  /** What the ref must point at now (null: must not exist). `undefined` skips the check. */
  expect?: Oid | null
  to: Oid | null
  message: string
}

/**
 * Moves refs atomically (call inside a transaction). A ref that moved since it was read fails
 * the whole update with REF_CHANGED.
 */
export function updateRefs(repo: Repo, updates: RefUpdate[]): void {
  const who = reflogIdentity(repo)
  for (const u of updates) {
    const current = repo.store.getRef(u.ref)?.oid ?? null
    if (u.expect !== undefined && current !== u.expect)
      throw new BlError('REF_CHANGED', `${shortRef(u.ref)} moved while this command ran (now ${current?.slice(0, 12) ?? 'deleted'})`, {hint: 'Another bl process updated it; run the command again.', data: {ref: u.ref}})
    if (u.to === null) {
      repo.store.deleteRef(u.ref)
      repo.store.deleteReflog(u.ref)
      continue
    }
    repo.store.setRef(u.ref, u.to)
    repo.store.appendReflog({ref: u.ref, old: current, new: u.to, ...who, message: u.message})
  }
}

/** Moves whatever HEAD designates (its branch, or HEAD itself when detached), with reflogs. */
export function advanceHead(repo: Repo, expect: Oid | null, to: Oid, message: string): void {
  const head = readHead(repo)
  if (head.oid !== expect)
    throw new BlError('REF_CHANGED', `HEAD moved while this command ran`, {hint: 'Another bl process committed; run the command again.'})
  if (head.branch) updateRefs(repo, [{ref: head.branch, expect, to, message}])
  else repo.store.setRef('HEAD', to)
  repo.store.appendReflog({ref: 'HEAD', old: expect, new: to, ...reflogIdentity(repo), message})
}

/** Points HEAD at a branch (symbolic) or a commit (detached), with a reflog entry. */
export function setHead(repo: Repo, target: {branch: string} | {detached: Oid}, message: string): void {
  const before = readHead(repo).oid
  let after: Oid | null
  if ('branch' in target) {
    repo.store.setSymref('HEAD', target.branch)
    after = readRef(repo, target.branch)
  } else {
    repo.store.setRef('HEAD', target.detached)
    after = target.detached
  }
  if (after) repo.store.appendReflog({ref: 'HEAD', old: before, new: after, ...reflogIdentity(repo), message})
}

function reflogIdentity(repo: Repo): {name: string; email: string; time: number; tz: number} {
  try {
    const s = repo.identity('committer')
    return {name: s.name, email: s.email, time: s.time, tz: s.tz}
  } catch {
    return {name: '', email: '', time: Math.floor(repo.now().getTime() / 1000), tz: -repo.now().getTimezoneOffset()}
  }
}
