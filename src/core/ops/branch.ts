/** bl branch and bl tag: list, create, delete, rename. */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadCommit} from '../odb.js'
import {checkBranchName, HEADS, readHead, readRef, refuseRefDirectoryClash, setHead, shortRef, TAGS, updateRefs} from '../refs/refs.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {readOperation} from './operation-state.js'
import {trackingStart} from './checkout.js'
import {aheadBehind} from './status.js'
import {setUpstream, upstreamOf} from '../refs/upstream.js'
import {filterRefs, type RefFilterOptions} from '../refs/ref-filter.js'

export interface RefInfo {
  name: string
  commit: Oid
  current: boolean
  subject: string
  /** A remote-tracking branch (`branch -r` / `-a`). */
  remote?: boolean
  /** A local branch's upstream and how far it is ahead of / behind it (only when it has one). */
  upstream?: {ref: string; ahead: number; behind: number; gone: boolean}
}

function listUnder(repo: Repo, prefix: string): RefInfo[] {
  const head = readHead(repo)
  return repo.store.listRefs(prefix).filter((r) => r.oid).map((r) => ({
    name: shortRef(r.name),
    commit: r.oid!,
    current: r.name === head.branch,
    subject: loadCommit(repo.store, r.oid!).message.split('\n')[0]!,
  }))
}

/**
 * Local branches; with `remotes` the remote-tracking ones (origin/main) instead, with `all` both;
 * narrowed and ordered by Git's listing filters (`--list <pattern>`, `--contains`, `--sort`, ...).
 */
export function listBranches(repo: Repo, opts: {remotes?: boolean; all?: boolean} & RefFilterOptions = {}): RefInfo[] {
  const local = opts.remotes && !opts.all ? [] : listUnder(repo, HEADS).map((b) => ({...b, ref: HEADS + b.name}))
  const tracking = opts.remotes || opts.all ? listUnder(repo, REMOTES).map((r) => ({...r, name: r.name.slice(REMOTES.length), ref: r.name, remote: true})) : []
  return filterRefs(repo, [...local, ...tracking], opts).map(({ref, ...b}) => {
    const upstream = b.remote ? undefined : aheadBehind(repo, ref, b.commit)
    return upstream ? {...b, upstream} : b
  })
}

const REMOTES = 'refs/remotes/'

/** `bl branch --show-current`: the checked-out branch (also an unborn one), null when detached. */
export function currentBranch(repo: Repo): {branch: string | null} {
  const head = readHead(repo)
  return {branch: head.branch ? shortRef(head.branch) : null}
}


/**
 * The branch a stopped rebase will move at its end (HEAD is detached meanwhile): like the checked
 * out branch, it may not be deleted, force-moved or renamed (Git: "checked out at ...").
 */
function refuseRebasing(repo: Repo, ref: string, what: string): void {
  const op = readOperation(repo)
  if (op?.kind === 'rebase' && op.origBranch === ref)
    throw new BlError('CURRENT_BRANCH', `cannot ${what} branch '${shortRef(ref)}': it is being rebased`, {hint: 'Finish the rebase (`bl rebase --continue`) or drop it (`bl rebase --abort`) first.'})
}

/** Tags, narrowed and ordered by Git's listing filters (`-l 'v1.*'`, `--contains`, `--sort=v:refname`, ...). */
export function listTags(repo: Repo, opts: RefFilterOptions = {}): RefInfo[] {
  return filterRefs(repo, listUnder(repo, TAGS).map((t) => ({...t, ref: TAGS + t.name})), opts).map(({ref: _ref, ...t}) => t)
}

export function createRef(repo: Repo, kind: 'branch' | 'tag', name: string, startRev = 'HEAD', force = false): RefInfo {
  checkBranchName(name, kind)
  const ref = (kind === 'branch' ? HEADS : TAGS) + name
  const commit = resolveRevision(repo, startRev)
  const existing = readRef(repo, ref)
  if (existing && !force) throw new BlError('REF_EXISTS', `a ${kind} named '${name}' already exists`, {hint: kind === 'branch' ? 'Use -f to move it, or pick another name.' : 'Use -f to replace it, or pick another name.'})
  if (kind === 'branch' && force && readHead(repo).branch === ref)
    throw new BlError('CURRENT_BRANCH', `cannot force-update the current branch '${name}'`, {hint: 'Use `bl reset` to move the current branch.'})
  if (kind === 'branch' && existing) refuseRebasing(repo, ref, 'force-update')
  if (!existing) refuseRefDirectoryClash(repo, ref)
  // A branch started from a remote-tracking branch tracks it (Git's branch.autoSetupMerge).
  const track = kind === 'branch' && !existing ? trackingStart(repo, startRev) : null
  repo.store.transaction(() => {
    updateRefs(repo, [{ref, expect: existing, to: commit, message: `${kind}: Created from ${startRev}`}])
    if (track) setUpstream(repo, ref, track.remote, track.branch)
  }, {durable: true})
  return {name, commit, current: false, subject: loadCommit(repo.store, commit).message.split('\n')[0]!}
}

/** The branch `-u`/`--unset-upstream` act on: the one named, else the current one. */
function localBranch(repo: Repo, name: string | undefined): string {
  const head = readHead(repo)
  const branch = name ?? (head.branch ? shortRef(head.branch) : undefined)
  if (!branch) throw new BlError('INVALID_ARGUMENT', 'HEAD is detached: name the branch', {hint: 'e.g. `bl branch -u origin/main main`.'})
  if (!readRef(repo, HEADS + branch) && head.branch !== HEADS + branch) throw new BlError('REF_NOT_FOUND', `branch '${branch}' not found`, {hint: 'List branches with `bl branch`.', data: {branch}})
  return branch
}

/** `bl branch -u <remote>/<branch> [<branch>]` (Git's --set-upstream-to): pull, push and status then use it. */
export function setBranchUpstream(repo: Repo, upstream: string, name?: string): {branch: string; upstream: string} {
  const branch = localBranch(repo, name)
  const track = trackingStart(repo, upstream)
  if (!track)
    throw new BlError('REF_NOT_FOUND', `the requested upstream branch '${upstream}' does not exist`, {
      hint: 'Name a remote-tracking branch (`bl branch -r` lists them); fetch it first, or create it with `bl push -u <remote> <branch>`.',
      data: {upstream},
    })
  repo.store.transaction(() => setUpstream(repo, branch, track.remote, track.branch), {durable: true})
  return {branch, upstream: `${track.remote}/${track.branch}`}
}

/** `bl branch --unset-upstream [<branch>]`. */
export function unsetBranchUpstream(repo: Repo, name?: string): {branch: string; upstream: null} {
  const branch = localBranch(repo, name)
  if (!upstreamOf(repo, branch)) throw new BlError('INVALID_ARGUMENT', `branch '${branch}' has no upstream information`, {hint: 'Nothing to unset; `bl branch -v` shows each branch\'s upstream.', data: {branch}})
  repo.store.transaction(() => {
    repo.store.unsetConfig(`branch.${branch}.remote`)
    repo.store.unsetConfig(`branch.${branch}.merge`)
  }, {durable: true})
  return {branch, upstream: null}
}

/** Is `ancestor` reachable from `tip`? */
export function isAncestor(repo: Repo, ancestor: Oid, tip: Oid): boolean {
  const seen = new Set<Oid>()
  const stack = [tip]
  while (stack.length) {
    const id = stack.pop()!
    if (id === ancestor) return true
    if (seen.has(id)) continue
    seen.add(id)
    stack.push(...loadCommit(repo.store, id).parents)
  }
  return false
}

export function deleteRef(repo: Repo, kind: 'branch' | 'tag', name: string, force = false): {name: string; commit: Oid} {
  const ref = (kind === 'branch' ? HEADS : TAGS) + name
  const commit = readRef(repo, ref)
  if (!commit) throw new BlError('REF_NOT_FOUND', `${kind} '${name}' not found`, {hint: `List them with \`bl ${kind}\`.`})
  const head = readHead(repo)
  if (kind === 'branch') {
    if (head.branch === ref) throw new BlError('CURRENT_BRANCH', `cannot delete branch '${name}': it is checked out`, {hint: 'Switch to another branch first.'})
    refuseRebasing(repo, ref, 'delete')
    if (!force && head.oid && !isAncestor(repo, commit, head.oid))
      throw new BlError('BRANCH_NOT_MERGED', `the branch '${name}' is not fully merged into HEAD`, {hint: `Use \`bl branch -D ${name}\` to delete it anyway (its commits stay in the reflog until gc).`})
  }
  repo.store.transaction(() => {
    updateRefs(repo, [{ref, expect: commit, to: null, message: `${kind}: deleted`}])
  }, {durable: true})
  return {name, commit}
}

export function renameBranch(repo: Repo, oldName: string | undefined, newName: string, force = false): {from: string; to: string} {
  const head = readHead(repo)
  const from = oldName ?? (head.branch ? shortRef(head.branch) : undefined)
  if (!from) throw new BlError('INVALID_ARGUMENT', 'HEAD is detached: name the branch to rename', {hint: 'Usage: bl branch -m <old> <new>'})
  checkBranchName(newName)
  const oldRef = HEADS + from
  const newRef = HEADS + newName
  const commit = readRef(repo, oldRef)
  if (!commit) throw new BlError('REF_NOT_FOUND', `branch '${from}' not found`, {hint: 'List branches with `bl branch`.'})
  refuseRebasing(repo, oldRef, 'rename')
  refuseRebasing(repo, newRef, 'overwrite')
  const clash = readRef(repo, newRef)
  if (clash && !force) throw new BlError('REF_EXISTS', `a branch named '${newName}' already exists`, {hint: 'Use -M to overwrite it.'})
  if (!clash) refuseRefDirectoryClash(repo, newRef, oldRef)
  if (clash && oldRef !== newRef && head.branch === newRef)
    throw new BlError('CURRENT_BRANCH', `cannot overwrite the current branch '${newName}'`, {hint: 'Switch to another branch first, or use `bl reset` to move the current branch.'})
  repo.store.transaction(() => {
    // `-M x x` keeps x's reflog (and only adds an entry), as in Git.
    if (oldRef !== newRef) {
      repo.store.deleteReflog(newRef)
      repo.store.renameReflog(oldRef, newRef)
      repo.store.deleteRef(oldRef)
    }
    updateRefs(repo, [{ref: newRef, to: commit, message: `branch: renamed ${oldRef} to ${newRef}`}])
    if (head.branch === oldRef) setHead(repo, {branch: newRef}, `branch: renamed ${oldRef} to ${newRef}`)
  }, {durable: true})
  return {from, to: newName}
}
