/**
 * bl reset: moves the current branch (or a detached HEAD) to a commit, and with --mixed (the
 * default) also the index, with --hard also the work tree. `reset [<rev>] -- <paths>` only sets
 * those index entries back to <rev> (unstages them). Like Git dropping MERGE_HEAD, a mixed or hard
 * reset forgets a stopped merge, cherry-pick, revert or rebase.
 */
import fs from 'node:fs'
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadCommit} from '../odb.js'
import {advanceHead, readHead, shortRef} from '../refs/refs.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import {diffTrees} from '../tree-ops.js'
import type {FlatEntry} from '../tree-build.js'
import {clockDevice, loadIndex, statClean, worktreeId} from '../worktree/index-state.js'
import {absPath, globBase, quotePath, safeLstat, toRepoPath, underAny, underSpec} from '../worktree/paths.js'
import {diffMaps} from '../diff/diff.js'
import {restorePaths} from '../merge/apply.js'
import {moveWorktree} from './checkout.js'
import {clearOperation, conflictPaths, markResolved, readOperation} from './operation-state.js'
import {clearSquashMessage} from './squash-message.js'
import {commitTree, indexAsFlat, treeMap} from './snapshot.js'

export type ResetMode = 'soft' | 'mixed' | 'hard' | 'keep' | 'merge'

export interface ResetOptions {
  mode?: ResetMode
  /** The commit to reset to (default HEAD). */
  rev?: string
  /** Reset only these index entries (HEAD does not move). */
  paths?: string[]
}

export interface ResetResult {
  /** The commit HEAD is at afterwards (null on an unborn branch). */
  head: Oid | null
  branch: string | null
  mode: ResetMode
  /** HEAD before the reset. */
  previous: Oid | null
  /** Subject of the commit HEAD is at. */
  subject: string | null
  /** With paths: the index entries that changed. */
  paths?: string[]
}

/**
 * Splits `reset` arguments like Git: with `--`, at most one revision before it and paths after;
 * without, the first argument is a revision if it resolves to one, otherwise every argument is a
 * path. A name that is both is ambiguous.
 */
export function resetArgs(repo: Repo, before: string[], after: string[] | undefined): {rev?: string; paths?: string[]} {
  if (after !== undefined) {
    if (before.length > 1) throw new BlError('INVALID_ARGUMENT', `give at most one revision before --, not ${before.length}`, {hint: 'Usage: bl reset [<rev>] -- <paths>'})
    return {rev: before[0], paths: after}
  }
  if (before.length === 0) return {}
  const [first, ...rest] = before as [string, ...string[]]
  let revError: BlError | undefined
  try {
    resolveRevision(repo, first)
  } catch (err) {
    if (!(err instanceof BlError) || err.code !== 'UNKNOWN_REVISION') throw err
    revError = err
  }
  const isRev = revError === undefined
  // Like Git, only a file in the work tree makes a revision ambiguous.
  const inWorktree = (a: string): boolean => {
    try {
      return fs.existsSync(absPath(repo, toRepoPath(repo, a)))
    } catch {
      return false
    }
  }
  if (isRev && inWorktree(first))
    throw new BlError('AMBIGUOUS_REVISION', `"${first}" is both a revision and a path`, {hint: `Use \`bl reset ${first} --\` for the revision or \`bl reset -- ${first}\` for the path.`, data: {rev: first}})
  if (isRev) return rest.length ? {rev: first, paths: rest} : {rev: first}
  if (inWorktree(first)) return {paths: before}
  const spec = toRepoPath(repo, first)
  // A tracked path deleted from the work tree can still be unstaged.
  if ([...loadIndex(repo).keys()].some((p) => underAny(p, [spec]))) return {paths: before}
  // A revision-shaped name that failed for its own reason (a reflog too short, ~N past the root) says why.
  if (revError!.message !== `unknown revision "${first}"`) throw revError
  throw new BlError('UNKNOWN_REVISION', `"${first}" is neither a revision nor a path known to bl`, {hint: 'Check the name; put paths after `--` (bl reset [<rev>] -- <paths>).', data: {rev: first}})
}

export async function reset(repo: Repo, opts: ResetOptions): Promise<ResetResult> {
  const mode = opts.mode ?? 'mixed'
  const head = readHead(repo)
  // On an unborn branch, `bl reset` (no revision) resets the index to the empty tree, as Git does.
  const target = opts.rev === undefined && !head.oid ? null : resolveRevision(repo, opts.rev ?? 'HEAD')
  const targetTree = commitTree(repo, target)
  const subject = target ? loadCommit(repo.store, target).message.split('\n')[0]! : null
  const base = {branch: head.branch ? shortRef(head.branch) : null, mode, previous: head.oid, subject}

  if (opts.paths) {
    if (mode !== 'mixed') throw new BlError('INVALID_ARGUMENT', `cannot do a ${mode} reset with paths`, {hint: `Use \`bl checkout ${opts.rev ?? 'HEAD'} -- <paths>\` to overwrite files, or \`bl reset -- <paths>\` to unstage them.`})
    if (opts.paths.length === 0) throw new BlError('INVALID_ARGUMENT', 'no paths given after --', {hint: 'Usage: bl reset [<rev>] -- <paths>'})
    const specs = opts.paths.map((p) => toRepoPath(repo, p))
    const paths = repo.store.transaction(
      () => {
        const changed = resetIndex(repo, null, targetTree, specs)
        // An entry set back to a commit's version is no longer in conflict (Git drops its stages).
        markResolved(repo, specs, changed)
        return changed
      },
      {durable: true},
    )
    return {head: head.oid, ...base, paths}
  }

  // A soft reset would commit a half-done merge as a plain commit: Git refuses it too.
  const op = mode === 'soft' ? readOperation(repo) : undefined
  if (op)
    throw new BlError('OPERATION_IN_PROGRESS', `cannot do a soft reset in the middle of a ${op.kind}`, {
      hint: `Finish it with \`bl ${op.kind} --continue\`, or drop it with \`bl ${op.kind} --abort\` (or \`bl reset --mixed\`).`,
      data: {operation: op.kind},
    })
  if (mode === 'keep' || mode === 'merge') {
    if (!head.oid || !target) throw new BlError('UNKNOWN_REVISION', `cannot do a ${mode} reset: HEAD does not point at a commit yet`, {hint: 'Use `bl reset` (mixed) or `bl reset --hard` on an unborn branch.'})
    const message = `reset: moving to ${opts.rev ?? 'HEAD'}`
    if (mode === 'keep') await resetKeep(repo, head.oid, target, message)
    else await resetMerge(repo, head.oid, target, message)
    return {head: target, ...base}
  }
  if (mode !== 'soft') dropCorruptIndex(repo)
  if (mode === 'hard') await moveWorktree(repo, commitTree(repo, head.oid), targetTree, true)
  repo.store.transaction(
    () => {
      if (mode === 'mixed') resetIndex(repo, repo.store.indexTree() ?? null, targetTree, null)
      if (target) advanceHead(repo, head.oid, target, `reset: moving to ${opts.rev ?? 'HEAD'}`)
      if (mode !== 'soft') clearOperation(repo)
      // As Git's reset removes SQUASH_MSG (every mode): the squash's message must not name the next commit.
      clearSquashMessage(repo)
    },
    {durable: true},
  )
  return {head: target ?? head.oid, ...base}
}

/**
 * Git's `reset --keep`: the paths that differ between HEAD and the target are moved to the target
 * (refused, touching nothing, when any of them has a local change, staged or not, or an untracked
 * file in the way); the index becomes the target everywhere, and the work tree keeps its other
 * changes, now unstaged. A stopped operation with conflicts is refused (Git: unmerged entries).
 */
async function resetKeep(repo: Repo, head: Oid, target: Oid, message: string): Promise<void> {
  const op = readOperation(repo)
  if (op?.conflicts.length)
    throw new BlError('OPERATION_IN_PROGRESS', `cannot do a keep reset: the ${op.kind} in progress has ${op.conflicts.length} conflict${op.conflicts.length === 1 ? '' : 's'}`, {hint: `Use \`bl reset --merge\` or \`bl ${op.kind} --abort\` to drop it.`, data: {operation: op.kind}})
  const targetTree = commitTree(repo, target)
  await moveWorktree(repo, commitTree(repo, head), targetTree, false, {
    refusalHint: 'A keep reset never overwrites local changes: commit or stash them (`bl stash`), or use `bl reset --hard` to drop them.',
    publish() {
      // Staged changes to paths the reset does not move become unstaged, as in Git.
      if (repo.store.indexTree() !== targetTree) resetIndex(repo, null, targetTree, null)
      advanceHead(repo, head, target, message)
      clearOperation(repo)
      clearSquashMessage(repo)
    },
  })
}

/**
 * Git's `reset --merge` (what aborts a merge): every path whose index entry differs from the target
 * (and every conflicted one) is set to the target in the index and the work tree; changes that
 * were never staged stay. Refused, touching nothing, when such a path has unstaged changes or an
 * untracked file in the way. Unlike Git, staged content that exists nowhere else (staged by the
 * user, not by a stopped operation, and in neither HEAD nor the target) is refused too rather
 * than dropped: Git leaves it only as an unreachable object.
 */
async function resetMerge(repo: Repo, head: Oid, target: Oid, message: string): Promise<void> {
  const op = readOperation(repo)
  const targetTree = commitTree(repo, target)
  const index = loadIndex(repo)
  const headFlat = treeMap(repo, commitTree(repo, head))
  const targetFlat = treeMap(repo, targetTree)
  const conflicted = conflictPaths(op?.conflicts ?? [])
  const paths = new Set(conflicted)
  for (const c of diffMaps(targetFlat, indexAsFlat(index), false)) paths.add(c.path)
  const clockDev = clockDevice(repo)
  const unstaged: string[] = []
  const stagedOnly: string[] = []
  for (const p of paths) {
    if (conflicted.has(p)) continue
    const idx = index.get(p)
    const st = safeLstat(absPath(repo, p))
    if (st?.isDirectory()) unstaged.push(p)
    else if (st && !(idx && statClean(idx, st, clockDev)) && worktreeId(repo, p, st).id !== (idx ?? targetFlat.get(p))?.id) unstaged.push(p)
    else if (!op && idx && headFlat.get(p)?.id !== idx.id && targetFlat.get(p)?.id !== idx.id) stagedOnly.push(p)
  }
  const list = (ps: string[]): string => (ps.length === 1 ? quotePath(ps[0]!) : `${ps.length} files (${ps.slice(0, 3).map(quotePath).join(', ')}${ps.length > 3 ? ', ...' : ''})`)
  if (unstaged.length)
    throw new BlError('LOCAL_CHANGES', `cannot do a merge reset: your local changes to ${list(unstaged.sort())} would be overwritten`, {hint: 'Commit, stage or stash them (`bl stash`), or use `bl reset --hard` to drop them.', data: {paths: unstaged}})
  if (stagedOnly.length)
    throw new BlError('LOCAL_CHANGES', `cannot do a merge reset: your staged changes to ${list(stagedOnly.sort())} would be lost`, {hint: 'Commit or stash them (`bl stash`), or unstage them with `bl reset -- <path>`; `bl reset --hard` drops them.', data: {paths: stagedOnly}})
  await restorePaths(repo, targetTree, paths)
  repo.store.transaction(
    () => {
      if (targetTree) repo.store.setIndexTree(targetTree)
      advanceHead(repo, head, target, message)
      clearOperation(repo)
      clearSquashMessage(repo)
    },
    {durable: true},
  )
}

/**
 * A whole mixed or hard reset rebuilds an index that no longer decodes from the tree (Git's
 * `rm .git/index; git reset`): its entries are lost either way, and nothing else can repair it.
 */
function dropCorruptIndex(repo: Repo): void {
  try {
    loadIndex(repo)
  } catch (err) {
    if (!(err instanceof BlError && err.code === 'CORRUPT_DATABASE' && err.data.index === true)) throw err
    repo.store.transaction(() => repo.store.discardIndex(), {durable: true})
  }
}

/**
 * Sets the index to `tree` (only under `specs` when given) and returns the paths that changed.
 * `known` is a tree the index is known to equal, so only the difference is read. An entry whose
 * content id stays keeps its stat cache: status then needn't re-hash the file. Call inside a
 * transaction.
 */
export function resetIndex(repo: Repo, known: Oid | null, tree: Oid | null, specs: string[] | null): string[] {
  // An empty list names no path (and `underAny(p, [])` would take every one).
  if (specs && specs.length === 0) return []
  let current: Map<string, IndexEntry>
  let target: Map<string, FlatEntry>
  if (known && !specs) {
    if (known === tree) return []
    const d = diffTrees(repo.store, known, tree)
    const index = loadIndex(repo)
    current = new Map([...d.before.keys()].flatMap((p) => (index.has(p) ? [[p, index.get(p)!] as const] : [])))
    target = d.after
  } else {
    current = loadIndex(repo)
    target = new Map()
    // A glob is read from its literal leading directories, then matched path by path.
    for (const s of specs ?? ['']) for (const [p, e] of treeMap(repo, tree, globBase(s))) if (underSpec(p, s)) target.set(p, e)
    if (specs) current = new Map([...current].filter(([p]) => underAny(p, specs)))
  }
  if (specs && current.size === 0 && target.size === 0)
    throw new BlError('PATHSPEC_NO_MATCH', `pathspec '${specs[0]}' did not match any file known to bl`, {hint: 'Check the path with `bl status` or `bl ls-tree -r HEAD`.', data: {paths: specs}})
  const changed: string[] = []
  for (const p of current.keys()) {
    if (target.has(p)) continue
    repo.store.deleteIndexEntry(p)
    changed.push(p)
  }
  for (const [p, t] of target) {
    const cur = current.get(p)
    if (cur && cur.id === t.id && cur.kind === t.kind && cur.exec === t.exec && cur.size === t.size) continue
    const keep = cur && cur.id === t.id
    repo.store.putIndexEntry({path: p, kind: t.kind, exec: t.exec, size: t.size, id: t.id, mtime: keep ? cur.mtime : 0, ctime: keep ? cur.ctime : 0, ino: keep ? cur.ino : 0, checked: keep ? cur.checked : 0})
    changed.push(p)
  }
  if (!specs && tree) repo.store.setIndexTree(tree)
  return changed.sort()
}
