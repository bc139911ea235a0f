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
import {mergeTreesWithContent} from '../merge/content-merge.js'
import {requireCleanIndex, storeTree} from '../merge/apply.js'
import {readHead, shortRef, updateRefs} from '../refs/refs.js'
import type {Repo} from '../repo.js'
import type {ReflogEntry} from '../store/types.js'
import {loadIndex, worktreeId} from '../worktree/index-state.js'
import {removeEntry} from '../worktree/materialize.js'
import type {StagedFiles} from '../worktree/staged-files.js'
import {absPath, safeLstat, toRepoPath, underAny} from '../worktree/paths.js'
import type {FlatEntry} from '../tree-build.js'
import {stage} from './add.js'
import {moveWorktree, restore, switchTo} from './checkout.js'
import {resultTree, withStage} from './merge.js'
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

export interface StashPushOptions {
  message?: string
  includeUntracked?: boolean
  /** Leave the staged changes in the index and the work tree (they are saved too). */
  keepIndex?: boolean
  /** Pathspecs (relative to the current directory): only these paths are saved and reset. */
  paths?: string[]
}

export async function stashPush(repo: Repo, opts: StashPushOptions = {}): Promise<StashPushResult> {
  requireNoOperation(repo, 'stash')
  const head = readHead(repo)
  if (!head.oid) throw new BlError('INVALID_ARGUMENT', 'you do not have the initial commit yet', {hint: 'Commit first; a stash is kept relative to a commit.'})
  const headTree = commitTree(repo, head.oid)
  const specs = opts.paths?.length ? opts.paths.map((p) => toRepoPath(repo, p)) : null
  const original = loadIndex(repo)
  const w = viewWorktree(repo, original, specs ?? [''], opts.includeUntracked ?? false)
  const headFlat = treeMap(repo, headTree)
  const originalFlat = indexAsFlat(original)
  // With pathspecs a stash holds HEAD plus the named paths' changes; the rest stays where it is.
  const limited = (m: Map<string, FlatEntry>): Map<string, FlatEntry> => (specs ? overlay(headFlat, m, specs) : m)
  if (specs) {
    specs.forEach((spec, i) => {
      const hit = (p: string): boolean => underAny(p, [spec])
      if (![...headFlat.keys(), ...original.keys()].some(hit) && !w.untracked.some((f) => hit(f.path)))
        throw new BlError('PATHSPEC_NO_MATCH', `pathspec '${opts.paths![i]}' did not match any file known to bl`, {hint: 'Check the path with `bl status`; untracked files need -u.', data: {path: opts.paths![i]}})
    })
  }
  const staged = diffMaps(limited(headFlat), limited(originalFlat), false).length > 0
  if (!staged && w.dirty.size === 0 && w.untracked.length === 0) return {saved: null}
  if (!opts.includeUntracked) refuseOverwritingUntracked(repo, headFlat, original, specs)
  const identity = repo.identity('committer')
  const headCommit = loadCommit(repo.store, head.oid)
  const where = `${head.branch ? shortRef(head.branch) : '(no branch)'}: ${head.oid.slice(0, 12)} ${headCommit.message.split('\n')[0]}`
  const indexTree = storeTree(repo, limited(originalFlat))
  // The work tree's state is what staging everything would give (the index is reset afterwards).
  await stage(repo, specs ?? [''], {onlyTracked: !opts.includeUntracked})
  const workTree = storeTree(repo, limited(indexAsFlat(loadIndex(repo))))
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
  // Saved: now the work tree and index go back to HEAD (untracked files that were stashed go too),
  // or with --keep-index the work tree to the index.
  if (!specs) {
    await moveWorktree(repo, workTree, opts.keepIndex ? indexTree : headTree, true)
    return {saved: stashList(repo)[0]!}
  }
  // Only the named paths move, restored as `bl restore` does: from HEAD in the index and the work
  // tree (the files -u staged above leave both), or with --keep-index the work tree from the
  // index as it was before (files -u took are deleted).
  if (opts.keepIndex) {
    repo.store.transaction(() => {
      for (const p of loadIndex(repo).keys()) if (underAny(p, specs) && !original.has(p)) repo.store.deleteIndexEntry(p)
      for (const [p, e] of original) if (underAny(p, specs)) repo.store.putIndexEntry(e)
    })
    for (const f of w.untracked) removeEntry(repo, f.path)
  }
  const inIndex = loadIndex(repo)
  const named = opts.paths!.filter((_, i) => [...(opts.keepIndex ? [] : headFlat.keys()), ...inIndex.keys()].some((p) => underAny(p, [specs[i]!])))
  if (named.length) await restore(repo, opts.keepIndex ? {paths: named, worktree: true} : {paths: named, source: head.oid, staged: true, worktree: true})
  return {saved: stashList(repo)[0]!}
}

/**
 * Resetting to HEAD writes back the files whose deletion is staged; an untracked file or directory
 * now at such a path (or a file where HEAD has a directory) would be lost without a trace, since
 * the stash records only the deletion. Git's stash loses it; bl refuses, nothing saved.
 */
function refuseOverwritingUntracked(repo: Repo, headFlat: Map<string, FlatEntry>, index: Map<string, unknown>, specs: string[] | null): void {
  const inTheWay: string[] = []
  for (const p of headFlat.keys()) {
    if (index.has(p) || (specs && !underAny(p, specs))) continue
    const parts = p.split('/')
    for (let i = 1; i <= parts.length; i++) {
      const st = safeLstat(absPath(repo, parts.slice(0, i).join('/')))
      if (!st) break
      if (i === parts.length || !st.isDirectory()) {
        // The very file HEAD has (`bl rm --cached` and nothing else) loses nothing.
        const e = headFlat.get(p)!
        const same = i === parts.length && st.isFile() && e.kind === 'file' && st.size === e.size && worktreeId(repo, p, st).id === e.id
        if (!same) inTheWay.push(p)
        break
      }
    }
  }
  if (inTheWay.length)
    throw new BlError('LOCAL_CHANGES', `untracked files would be overwritten by the reset to HEAD: ${inTheWay.slice(0, 3).join(', ')}${inTheWay.length > 3 ? ', ...' : ''}`, {
      hint: 'Their deletion is staged while something untracked stands there: move it away, or `bl add` it, or stash with -u; nothing was changed.',
      data: {paths: inTheWay},
    })
}

/** `base` with the entries under `specs` taken from `over` instead. */
function overlay(base: Map<string, FlatEntry>, over: Map<string, FlatEntry>, specs: string[]): Map<string, FlatEntry> {
  const out = new Map([...base].filter(([p]) => !underAny(p, specs)))
  for (const [p, e] of over) if (underAny(p, specs)) out.set(p, e)
  return out
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
export async function stashApply(repo: Repo, opts: {stash?: string; pop?: boolean; index?: boolean} = {}): Promise<StashApplyResult> {
  requireNoOperation(repo, 'apply a stash')
  return withStage(repo, (staged) => applyStaged(repo, opts, staged))
}

async function applyStaged(repo: Repo, opts: {stash?: string; pop?: boolean; index?: boolean}, staged: StagedFiles): Promise<StashApplyResult> {
  const {stash, entry} = pick(repo, opts.stash)
  const head = readHead(repo)
  requireCleanIndex(repo, head.oid, 'apply a stash')
  const c = loadCommit(repo.store, stash.commit)
  const baseTree = commitTree(repo, c.parents[0] ?? null)
  const oursTree = commitTree(repo, head.oid)
  const labels = {ours: 'Updated upstream', base: 'Stash base', theirs: 'Stashed changes'}
  const m = await mergeTreesWithContent(repo, baseTree, oursTree, c.tree, {labels, stage: staged})
  const refuse = (paths: string[], where: string, hint: string): BlError =>
    new BlError('STASH_CONFLICT', `${stash.name} conflicts with HEAD${where} on ${paths.length} path${paths.length === 1 ? '' : 's'} (${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', ...' : ''}); nothing was changed`, {hint, data: {stash: stash.name, paths}})
  if (m.conflicts.length) throw refuse(m.conflicts.map((x) => x.path), '', `Apply it on the commit it was made on: \`bl stash branch <branch> ${stash.name}\`.`)
  const target = resultTree(repo, oursTree, m.edits)
  // --index: the staged part comes back staged, merged the same way from the stash's index commit.
  let indexTarget: Oid | null | undefined
  if (opts.index && c.parents[1]) {
    const mi = await mergeTreesWithContent(repo, baseTree, oursTree, commitTree(repo, c.parents[1]), {labels})
    if (mi.conflicts.length) throw refuse(mi.conflicts.map((x) => x.path), ' in the index', 'Apply it without --index (the changes then come back unstaged).')
    indexTarget = resultTree(repo, oursTree, mi.edits)
  }
  const oursFlat = treeMap(repo, oursTree)
  const unstage = [...m.edits.keys()].filter((p) => oursFlat.has(p))
  const indexPaths = indexTarget === undefined ? [] : diffMaps(treeMap(repo, target), treeMap(repo, indexTarget), false).flatMap((ch) => [ch.path, ...(ch.oldPath ? [ch.oldPath] : [])])
  await moveWorktree(repo, oursTree, target, false, {
    staged,
    refusalHint: 'Commit or stash them first, then apply the stash again.',
    publish() {
      if (indexTarget === undefined) resetIndex(repo, null, oursTree, unstage)
      else resetIndex(repo, null, indexTarget, indexPaths)
      if (opts.pop) dropEntry(repo, entry)
    },
  })
  return {stash, changed: [...m.edits.keys()].sort(), dropped: Boolean(opts.pop)}
}

/**
 * `bl stash branch <name> [<stash>]`: a new branch at the commit the stash was made on, checked
 * out, with the stash applied there (staged part staged, as `--index`) and dropped. It cannot
 * conflict, which makes it the way out when a stash no longer applies to HEAD.
 */
export async function stashBranch(repo: Repo, name: string, spec?: string): Promise<StashApplyResult & {branch: string}> {
  const {stash} = pick(repo, spec)
  const base = loadCommit(repo.store, stash.commit).parents[0]!
  // Checked before the branch is made, so a refusal leaves nothing behind.
  requireCleanIndex(repo, readHead(repo).oid, 'apply a stash')
  await switchTo(repo, {target: base, create: name})
  const res = await stashApply(repo, {stash: stash.name, pop: true, index: true})
  return {...res, branch: name}
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
