/**
 * Revision syntax (a subset of Git's gitrevisions): HEAD, branch, tag, refs/..., a full id or a
 * unique prefix of >= 4 hex digits, a reflog entry (HEAD@{N}, <branch>@{N}, @{N}), the branch
 * checked out before (@{-N}) or a branch's upstream (@{u}, <branch>@{upstream}), each followed by
 * any number of ~N, ^N and ^{commit} / ^{} (a no-op peel: bl's refs name commits).
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadCommit} from '../odb.js'
import type {Repo} from '../repo.js'
import {HEADS, readHead, readRef, shortRef, TAGS} from './refs.js'
import {upstreamOf} from './upstream.js'

const REMOTES = 'refs/remotes/'

const SUFFIX_RE = /\^\{(?:commit)?\}|([~^])(\d*)/y

function unknown(rev: string): BlError {
  return new BlError('UNKNOWN_REVISION', `unknown revision "${rev}"`, {hint: 'Use a branch, a tag, a commit id (or a unique prefix of 4+ digits), HEAD, HEAD@{N}, or add ~N / ^N.', data: {rev}})
}

/**
 * The ref whose reflog `name` designates: HEAD (also "@"), the current branch for "" (as in
 * `@{1}`; HEAD's own log when detached), a full refs/... name, or a branch or tag name.
 * Undefined when no such ref or reflog exists.
 */
export function reflogRefName(repo: Repo, name: string): string | undefined {
  if (name === 'HEAD' || name === '@') return 'HEAD'
  if (name === '') return readHead(repo).branch ?? 'HEAD'
  // Git keeps no reflog for tags, so its `<name>@{N}` reads a branch's log before a tag's.
  const candidates = name.startsWith('refs/') ? [name] : [`refs/${name}`, `${HEADS}${name}`, `${TAGS}${name}`, `${REMOTES}${name}`]
  return candidates.find((r) => repo.store.getRef(r) !== undefined || repo.store.reflog(r).length > 0)
}

/** `<ref>@{N}`: the value the ref had N moves ago (@{0} is its current value, per its reflog). */
function resolveReflogEntry(repo: Repo, name: string, n: number, whole: string): Oid {
  const ref = reflogRefName(repo, name)
  if (!ref) throw unknown(whole)
  const entries = repo.store.reflog(ref)
  // Entries are newest first; one past the oldest is the oldest entry's old value, as in Git.
  const oid = n < entries.length ? entries[n]!.new : n === entries.length ? entries.at(-1)?.old : null
  if (!oid)
    throw new BlError('UNKNOWN_REVISION', `log for '${shortRef(ref)}' only has ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`, {
      hint: `List them with \`bl reflog${ref === 'HEAD' ? '' : ' ' + shortRef(ref)}\`.`,
      data: {rev: whole, entries: entries.length},
    })
  return oid
}

/**
 * `@{-N}`: the branch (or, when HEAD was detached, the commit) the Nth-last checkout moved away
 * from, read from HEAD's reflog as Git reads it. `bl switch -` is `@{-1}`.
 */
export function previousCheckout(repo: Repo, n: number): string {
  let seen = 0
  for (const e of repo.store.reflog('HEAD')) {
    const m = /^checkout: moving from (\S+) to /.exec(e.message)
    if (!m || ++seen < n) continue
    if (m[1] === '(unborn)') break
    return m[1]!
  }
  throw new BlError('UNKNOWN_REVISION', `no branch was checked out ${n === 1 ? 'before this one' : `${n} checkouts ago`}`, {
    hint: 'HEAD\'s history of checkouts is in `bl reflog`.',
    data: {rev: `@{-${n}}`},
  })
}

/** `<branch>@{upstream}` (`@{u}`: the current branch's): the remote-tracking branch it follows. */
function resolveUpstream(repo: Repo, name: string, whole: string): {tracking: string; oid: Oid} {
  const branch = name === '' || name === 'HEAD' || name === '@' ? readHead(repo).branch : HEADS + name
  if (!branch) throw new BlError('UNKNOWN_REVISION', 'HEAD does not point to a branch, so it has no upstream', {hint: 'Name the branch: `<branch>@{u}`.', data: {rev: whole}})
  if (!readRef(repo, branch) && name !== '' && name !== 'HEAD' && name !== '@') throw unknown(whole)
  const up = upstreamOf(repo, branch)
  if (!up) throw new BlError('UNKNOWN_REVISION', `no upstream configured for branch '${shortRef(branch)}'`, {hint: `Set one with \`bl branch -u <remote>/<branch> ${shortRef(branch)}\` or \`bl push -u\`.`, data: {rev: whole}})
  const oid = readRef(repo, up.tracking)
  if (!oid) throw new BlError('UNKNOWN_REVISION', `upstream branch '${shortRef(up.ref)}' of '${shortRef(branch)}' has not been fetched from ${up.remote}`, {hint: `Run \`bl fetch ${up.remote}\`.`, data: {rev: whole}})
  return {tracking: up.tracking, oid}
}

/**
 * The refs a name may stand for, in the order they are tried (Git's order: a full ref, any ref
 * under refs/ (`stash` is refs/stash), then tags, branches and remote-tracking branches
 * (origin/main); so a name that is a tag and a branch is the tag, as in Git).
 */
function refCandidates(base: string): string[] {
  return [base, `refs/${base}`, `${TAGS}${base}`, `${HEADS}${base}`, `${REMOTES}${base}`].filter((c) => c.startsWith('refs/'))
}

/**
 * The shortest name that resolves to `ref` and to no other ref (Git's `--abbrev-ref` in its strict
 * mode): `main`, but `heads/v1` when a tag v1 exists too.
 */
export function abbrevRef(repo: Repo, ref: string): string {
  for (const prefix of [HEADS, TAGS, REMOTES, 'refs/']) {
    if (!ref.startsWith(prefix)) continue
    const hits = refCandidates(ref.slice(prefix.length)).filter((c) => readRef(repo, c) !== null)
    if (hits.length === 1 && hits[0] === ref) return ref.slice(prefix.length)
  }
  return ref
}

/** Resolves the part before any ~/^ to a commit id. */
function resolveBase(repo: Repo, base: string, whole: string): Oid {
  const at = /^(.*)@\{(\d+)\}$/.exec(base)
  if (at) return resolveReflogEntry(repo, at[1]!, Number(at[2]), whole)
  const prev = /^@\{-(\d+)\}$/.exec(base)
  if (prev && Number(prev[1]) > 0) {
    const name = previousCheckout(repo, Number(prev[1]))
    return readRef(repo, HEADS + name) ?? resolveBase(repo, name, whole)
  }
  const up = /^(.*)@\{(?:u|upstream)\}$/i.exec(base)
  if (up) return resolveUpstream(repo, up[1]!, whole).oid
  if (base === 'HEAD' || base === '@') {
    const head = readHead(repo)
    if (!head.oid) throw new BlError('UNKNOWN_REVISION', `HEAD does not point at a commit yet`, {hint: 'Make a first commit with `bl commit`.', data: {rev: whole}})
    return head.oid
  }
  for (const candidate of refCandidates(base)) {
    const oid = readRef(repo, candidate)
    if (oid) return oid
  }
  if (/^[0-9a-f]{4,64}$/.test(base)) {
    const hits = repo.store.objectsWithPrefix(base, 8).filter((o) => o.kind === 'commit')
    if (hits.length === 1) return hits[0]!.id
    if (hits.length > 1)
      throw new BlError('AMBIGUOUS_REVISION', `short id "${base}" is ambiguous (${hits.length} commits match)`, {hint: 'Use more digits.', data: {rev: whole, candidates: hits.map((h) => h.id)}})
  }
  throw unknown(whole)
}

/**
 * The ref a revision names by itself, for `rev-parse --abbrev-ref` and `--symbolic-full-name`:
 * `refs/heads/main` for `main` or (on main) `HEAD`, the tracking ref for `@{u}`, a branch for
 * `@{-N}`. Null for a detached HEAD, an id, or anything with ~ / ^ (a commit, not a ref).
 */
export function refOfRevision(repo: Repo, rev: string): string | null {
  const base = rev.replace(/\^\{(?:commit)?\}$/, '')
  if (base === 'HEAD' || base === '@') return readHead(repo).branch
  const prev = /^@\{-(\d+)\}$/.exec(base)
  if (prev && Number(prev[1]) > 0) {
    const name = previousCheckout(repo, Number(prev[1]))
    return readRef(repo, HEADS + name) ? HEADS + name : null
  }
  const up = /^(.*)@\{(?:u|upstream)\}$/i.exec(base)
  if (up) return resolveUpstream(repo, up[1]!, rev).tracking
  if (/[~^@:]/.test(base)) return null
  return refCandidates(base).find((c) => readRef(repo, c) !== null) ?? null
}

/** Does `rev` name one commit here? Unknown and ambiguous names are not revisions; a malformed one throws. */
export function isRevision(repo: Repo, rev: string): boolean {
  try {
    resolveRevision(repo, rev)
    return true
  } catch (err) {
    if (err instanceof BlError && (err.code === 'UNKNOWN_REVISION' || err.code === 'AMBIGUOUS_REVISION')) return false
    throw err
  }
}

export function resolveRevision(repo: Repo, rev: string): Oid {
  if (rev.length === 0) throw unknown(rev)
  const m = /^(.*?)((?:\^\{(?:commit)?\}|[~^]\d*)*)$/.exec(rev)!
  const base = m[1]!
  const suffix = m[2]!
  if (base.length === 0) throw unknown(rev)
  let oid = resolveBase(repo, base, rev)
  SUFFIX_RE.lastIndex = 0
  let s: RegExpExecArray | null
  while ((s = SUFFIX_RE.exec(suffix))) {
    if (!s[1]) continue // ^{commit}: already a commit
    const n = s[2] === '' ? 1 : Number(s[2])
    if (s[1] === '~') {
      for (let i = 0; i < n; i++) {
        const p = loadCommit(repo.store, oid).parents[0]
        if (!p) throw new BlError('UNKNOWN_REVISION', `"${rev}" goes past the first commit`, {hint: 'Use a smaller N.', data: {rev}})
        oid = p
      }
    } else if (n > 0) {
      const p = loadCommit(repo.store, oid).parents[n - 1]
      if (!p) throw new BlError('UNKNOWN_REVISION', `"${rev}": the commit has no parent ${n}`, {hint: 'Check the number of parents with `bl show`.', data: {rev}})
      oid = p
    }
  }
  return oid
}
