/**
 * bl stash: put local changes aside and bring them back, as `git stash` does. A stash is a
 * commit whose tree is the work tree's tracked files (with -u also the untracked ones), with
 * parents HEAD and a commit of the index; the stack is the reflog of `refs/stash` (so
 * `stash@{N}` is a revision like any other, and gc keeps every stash). Stash commits stay local:
 * push sends branches and tags only.
 */
import {BlError} from '../errors.js'
import {diffMaps, type Change} from '../diff/diff.js'
import type {Oid} from '../hash.js'
import {commitId, encodeCommit, type Commit} from '../objects/commit.js'
import {loadCommit} from '../odb.js'
import {mergeTrees} from '../merge/three-way.js'
import {requireCleanIndex, storeTree} from '../merge/apply.js'
import {readHead, shortRef, updateRefs} from '../refs/refs.js'
import type {Repo} from '../repo.js'
import type {ReflogEntry} from '../store/types.js'
import {loadIndex} from '../worktree/index-state.js'
import {stage} from './add.js'
import {moveWorktree} from './checkout.js'
import {resultTree} from './merge.js'
import {requireNoOperation} from './operation-state.js'
import {resetIndex} from './reset.js'
import {commitTree, indexAsFlat, treeMap, viewWorktree} from './snapshot.js'

export const STASH_REF = 'refs/stash'

export interface StashEntry {
  /** N in stash@{N}: 0 is the newest. */
  index: number
  name: string
  commit: Oid
  message: string
  time: number
  tz: number
}

function entries(repo: Repo): ReflogEntry[] {
  return repo.store.reflog(STASH_REF).filter((e) => e.new !== null)
}

function view(e: ReflogEntry, index: number): StashEntry {
  return {index, name: `stash@{${index}}`, commit: e.new!, message: e.message, time: e.time, tz: e.tz}
}

export function stashList(repo: Repo): StashEntry[] {
  return entries(repo).map(view)
}

/** `stash@{N}`, or N alone (Git accepts both); the newest when not given. */
function pick(repo: Repo, spec: string | undefined): {entry: ReflogEntry; stash: StashEntry; all: ReflogEntry[]} {
  const all = entries(repo)
  const m = spec === undefined ? ['', '0'] : /^(?:stash@\{(\d+)\}|(\d+))$/.exec(spec)
  if (!m) throw new BlError('INVALID_ARGUMENT', `'${spec}' is not a stash reference`, {hint: 'Name one as stash@{N} (or N); `bl stash list` shows them.', data: {stash: spec}})
  const n = Number(m[1] ?? m[2])
  const entry = all[n]
  if (!entry) {
    throw new BlError('REF_NOT_FOUND', all.length === 0 ? 'no stash entries found' : `stash@{${n}} does not exist (${all.length} entr${all.length === 1 ? 'y' : 'ies'})`, {
      hint: all.length === 0 ? 'Save local changes with `bl stash`.' : '`bl stash list` shows them.',
      data: {stash: spec ?? 'stash@{0}'},
    })
  }
  return {entry, stash: view(entry, n), all}
}

export interface StashPushResult {
  /** The new stash, or null when there was nothing to save. */
  saved: StashEntry | null
}

export async function stashPush(repo: Repo, opts: {message?: string; includeUntracked?: boolean} = {}): Promise<StashPushResult> {
  requireNoOperation(repo, 'stash')
  const head = readHead(repo)
  if (!head.oid) throw new BlError('INVALID_ARGUMENT', 'you do not have the initial commit yet', {hint: 'Commit first; a stash is kept relative to a commit.'})
  const headTree = commitTree(repo, head.oid)
  let index = loadIndex(repo)
  const w = viewWorktree(repo, index, [''], opts.includeUntracked ?? false)
  const staged = diffMaps(treeMap(repo, headTree), indexAsFlat(index), false).length > 0
  if (!staged && w.dirty.size === 0 && w.untracked.length === 0) return {saved: null}
  const identity = repo.identity('committer')
  const headCommit = loadCommit(repo.store, head.oid)
  const where = `${head.branch ? shortRef(head.branch) : '(no branch)'}: ${head.oid.slice(0, 12)} ${headCommit.message.split('\n')[0]}`
  const indexTree = storeTree(repo, indexAsFlat(index))
  // The work tree's state is what staging everything would give (the index is reset afterwards).
  await stage(repo, [''], {onlyTracked: !opts.includeUntracked})
  index = loadIndex(repo)
  const workTree = storeTree(repo, indexAsFlat(index))
  const base = {author: identity, committer: identity, meta: {}}
  const indexCommit: Commit = {...base, tree: indexTree, parents: [head.oid], message: `index on ${where}\n`}
  const iId = commitId(indexCommit)
  const message = opts.message ? `On ${head.branch ? shortRef(head.branch) : '(no branch)'}: ${opts.message}` : `WIP on ${where}`
  const stashCommit: Commit = {...base, tree: workTree, parents: [head.oid, iId], message: `${message}\n`}
  const sId = commitId(stashCommit)
  repo.store.transaction(
    () => {
      repo.store.putObject(iId, 'commit', encodeCommit(indexCommit))
      repo.store.putObject(sId, 'commit', encodeCommit(stashCommit))
      updateRefs(repo, [{ref: STASH_REF, to: sId, message}])
    },
    {durable: true},
  )
  // Saved: now the work tree and index go back to HEAD (untracked files that were stashed go too).
  await moveWorktree(repo, workTree, headTree, true)
  return {saved: stashList(repo)[0]!}
}

export interface StashApplyResult {
  stash: StashEntry
  /** Paths the stash changed in the work tree. */
  changed: string[]
  /** pop: the entry was dropped. */
  dropped: boolean
}

/**
 * Applies a stash onto HEAD: a three-way merge of its tree against the commit it was made on.
 * Changes come back unstaged, except files the stash added (staged, so they stay tracked), as in
 * Git. Nothing changes when the stash would conflict with HEAD or with local changes.
 */
export async function stashApply(repo: Repo, opts: {stash?: string; pop?: boolean} = {}): Promise<StashApplyResult> {
  requireNoOperation(repo, 'apply a stash')
  const {stash, entry} = pick(repo, opts.stash)
  const head = readHead(repo)
  requireCleanIndex(repo, head.oid, 'apply a stash')
  const c = loadCommit(repo.store, stash.commit)
  const baseTree = commitTree(repo, c.parents[0] ?? null)
  const oursTree = commitTree(repo, head.oid)
  const m = mergeTrees(repo.store, baseTree, oursTree, c.tree)
  if (m.conflicts.length) {
    const paths = m.conflicts.map((x) => x.path)
    throw new BlError('STASH_CONFLICT', `${stash.name} conflicts with HEAD on ${paths.length} path${paths.length === 1 ? '' : 's'} (${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', ...' : ''}); nothing was changed`, {
      hint: `Apply it on the commit it was made on: \`bl switch -c <branch> ${c.parents[0]?.slice(0, 12) ?? ''}\`, then \`bl stash pop\`.`,
      data: {stash: stash.name, paths},
    })
  }
  const target = resultTree(repo, oursTree, m.edits)
  const oursFlat = treeMap(repo, oursTree)
  const unstage = [...m.edits.keys()].filter((p) => oursFlat.has(p))
  await moveWorktree(repo, oursTree, target, false, {
    refusalHint: 'Commit or stash them first, then apply the stash again.',
    publish() {
      resetIndex(repo, null, oursTree, unstage)
      if (opts.pop) dropEntry(repo, entry)
    },
  })
  return {stash, changed: [...m.edits.keys()].sort(), dropped: Boolean(opts.pop)}
}

/** Removes one entry; refs/stash follows the newest that is left. Call inside a transaction. */
function dropEntry(repo: Repo, entry: ReflogEntry): void {
  repo.store.deleteReflogEntry(entry.seq)
  const newest = entries(repo)[0]
  if (newest) repo.store.setRef(STASH_REF, newest.new!)
  else {
    repo.store.deleteRef(STASH_REF)
    repo.store.deleteReflog(STASH_REF)
  }
}

export function stashDrop(repo: Repo, spec?: string): {dropped: StashEntry} {
  const {entry, stash} = pick(repo, spec)
  repo.store.transaction(() => dropEntry(repo, entry), {durable: true})
  return {dropped: stash}
}

export function stashClear(repo: Repo): {cleared: number} {
  const n = entries(repo).length
  repo.store.transaction(
    () => {
      repo.store.deleteRef(STASH_REF)
      repo.store.deleteReflog(STASH_REF)
    },
    {durable: true},
  )
  return {cleared: n}
}

/** What a stash changed against the commit it was made on. */
export function stashShow(repo: Repo, spec?: string): {stash: StashEntry; changes: Change[]} {
  const {stash} = pick(repo, spec)
  const c = loadCommit(repo.store, stash.commit)
  return {stash, changes: diffMaps(treeMap(repo, commitTree(repo, c.parents[0] ?? null)), treeMap(repo, c.tree))}
}
