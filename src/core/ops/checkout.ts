/**
 * Switching the work tree to another commit (checkout/switch), and restoring paths from the index
 * or a commit (checkout -- paths, restore). Like Git, a switch carries local changes along when
 * they don't touch what differs between the two commits, and refuses to overwrite them otherwise.
 */
import fs from 'node:fs'
import path from 'node:path'
import {BlError} from '../errors.js'
import {sameEntry} from '../diff/diff.js'
import type {Oid} from '../hash.js'
import {checkBranchName, HEADS, readHead, readRef, refuseRefDirectoryClash, setHead, shortRef, updateRefs} from '../refs/refs.js'
import {isRevision, previousCheckout, resolveRevision} from '../refs/revision.js'
import {setUpstream} from '../refs/upstream.js'
import {listRemotes} from '../remote/remotes.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import type {FlatEntry} from '../tree-build.js'
import {dateEntries, fileClock, isExec, loadIndex, makeEntry, statKind, worktreeId} from '../worktree/index-state.js'
import {isTempName, recordTempDirs, sweepStaleTemps} from '../worktree/temp-files.js'
import {DirCache, removeEntry, writeEntry} from '../worktree/materialize.js'
import {sweepStaleStages, type StagedFiles} from '../worktree/staged-files.js'
import {absPath, quotePath, safeLstat, toRepoPath, underAny, underSpec} from '../worktree/paths.js'
import {commitTree, indexAsFlat, trackedState, treeMap, viewWorktree} from './snapshot.js'
import {diffTrees} from '../tree-ops.js'
import {ensureContent} from './content.js'
import {breather} from '../breather.js'
import type {TransferProgress} from '../remote/transfer.js'
import type {FileProgress} from '../progress.js'
import {outsideSparse, readSparse, writeSparse} from '../worktree/sparse.js'
import {clearOperation, markResolved, readOperation, requireNoOperation} from './operation-state.js'
import {assertSafePaths, assertSafeTree, freeBytes, treeLimits} from '../worktree/tree-safety.js'

/**
 * Content fetched from a remote first (thin store: objects and bytes received), then the files
 * written: totals once known, one onFile per file.
 */
export type CheckoutProgress = FileProgress & TransferProgress

/** Up to this many changed paths, moving the work tree lstat()s just those instead of scanning it all. */
const TARGETED_SCAN_MAX = 2000

export interface SwitchOptions {
  /** Branch name or revision to switch to. */
  target?: string
  /** Create this branch at `target` (or HEAD) and switch to it. */
  create?: string
  /** With `create`: reset the branch to the start point if it exists already (Git's switch -C, checkout -B). */
  resetExisting?: boolean
  /** Detach HEAD at `target` even if it names a branch. */
  detach?: boolean
  /** Discard local changes. */
  force?: boolean
  /** `bl switch`: without --detach the target must be a branch (or one remote's branch, to track). */
  branchOnly?: boolean
  progress?: CheckoutProgress
}

export interface SwitchResult {
  branch: string | null
  commit: Oid
  created: boolean
  written: number
  removed: number
  previous: Oid | null
  /** A new branch that tracks a remote branch (it started there): `<remote>/<branch>`. */
  tracking?: string
  /** switch -C / checkout -B of an existing branch: where it pointed before it was reset. */
  reset?: Oid
}

export async function switchTo(repo: Repo, opts: SwitchOptions): Promise<SwitchResult> {
  // A stopped merge, cherry-pick, revert or rebase belongs to this HEAD: finish or abort it first
  // (Git: "you need to resolve your current index first"). Forced, the switch drops it.
  const op = readOperation(repo)
  if (op && !opts.force) requireNoOperation(repo, 'switch branches')
  const head = readHead(repo)
  let branchRef: string | null = null
  let commit: Oid
  let create = opts.create
  // `-` (and `@{-N}`) is the branch checked out before, as in Git; a commit there detaches.
  const previous = /^@\{-(\d+)\}$/.exec(opts.target ?? '')
  if (!create && (opts.target === '-' || (previous && Number(previous[1]) > 0))) {
    const name = previousCheckout(repo, previous ? Number(previous[1]) : 1)
    if (!readRef(repo, HEADS + name)) {
      if (opts.branchOnly && !opts.detach)
        throw new BlError('INVALID_ARGUMENT', `a branch is expected, got commit '${name}'`, {hint: `HEAD was detached there; \`bl switch --detach ${name}\` goes back to it.`, data: {rev: name}})
      opts = {...opts, detach: true}
    }
    opts = {...opts, target: name}
  }
  // The upstream a new branch gets: the remote-tracking branch it starts from (Git's autoSetupMerge).
  let track: {remote: string; branch: string} | null = null
  if (!create && opts.target && !opts.detach && !readRef(repo, HEADS + opts.target) && (opts.branchOnly || !isRevision(repo, opts.target))) {
    // Git's "guess": no such branch (or, for checkout, revision), but one remote has a branch of that name.
    const found = listRemotes(repo).filter((r) => readRef(repo, `refs/remotes/${r.name}/${opts.target}`))
    if (found.length === 1) {
      create = opts.target
      track = {remote: found[0]!.name, branch: opts.target}
    } else if (opts.branchOnly)
      throw new BlError('REF_NOT_FOUND', `invalid reference: ${opts.target}`, {hint: found.length > 1 ? `Several remotes have a branch ${opts.target}: \`bl switch -c ${opts.target} <remote>/${opts.target}\` picks one.` : 'To switch to a commit use `bl switch --detach <rev>`; to create a branch use `bl switch -c <name>`.'})
  }
  let existing: Oid | null = null
  if (create) {
    const name = checkBranchName(create)
    existing = readRef(repo, HEADS + name)
    if (existing && !opts.resetExisting)
      throw new BlError('REF_EXISTS', `a branch named '${name}' already exists`, {hint: `Switch to it with \`bl switch ${name}\`, reset it to the start point with \`bl switch -C ${name} [<start>]\`, or pick another name.`})
    if (!existing) refuseRefDirectoryClash(repo, HEADS + name)
    track ??= trackingStart(repo, opts.create ? opts.target : undefined)
    commit = track ? readRef(repo, `refs/remotes/${track.remote}/${track.branch}`)! : opts.target ? resolveRevision(repo, opts.target) : requireHead(head.oid)
    branchRef = HEADS + name
  } else {
    if (!opts.target) throw new BlError('INVALID_ARGUMENT', 'missing branch or commit to switch to', {hint: 'Usage: bl switch <branch>, bl switch -c <new-branch>, bl checkout <commit>.'})
    // `checkout HEAD` (or @) on a branch stays on it, as in Git.
    const asBranch = (opts.target === 'HEAD' || opts.target === '@') && head.branch && !opts.detach ? head.branch : HEADS + opts.target
    const onBranch = !opts.detach && readRef(repo, asBranch)
    if (onBranch) {
      branchRef = asBranch
      commit = onBranch
    } else commit = resolveRevision(repo, opts.target)
  }
  const from = head.oid
  const {written, removed} = await moveWorktree(repo, from ? commitTree(repo, from) : null, commitTree(repo, commit), opts.force ?? false, {
    progress: opts.progress,
    refusalHint: 'Commit them first, or use -f (--force) to discard them.',
    // HEAD moves in the index's transaction: a crash never leaves one moved without the other.
    publish() {
      const msg = `checkout: moving from ${head.branch ? shortRef(head.branch) : from?.slice(0, 12) ?? '(unborn)'} to ${branchRef ? shortRef(branchRef) : commit.slice(0, 12)}`
      const start = track ? `${track.remote}/${track.branch}` : (opts.target ?? 'HEAD')
      if (create) updateRefs(repo, [{ref: branchRef!, expect: existing, to: commit, message: existing ? `branch: Reset to ${start}` : `branch: Created from ${start}`}])
      if (create && track) setUpstream(repo, branchRef!, track.remote, track.branch)
      setHead(repo, branchRef ? {branch: branchRef} : {detached: commit}, msg)
      if (op) clearOperation(repo)
    },
  })
  return {branch: branchRef ? shortRef(branchRef) : null, commit, created: Boolean(create) && !existing, written, removed, previous: from, ...(existing ? {reset: existing} : {}), ...(track ? {tracking: `${track.remote}/${track.branch}`} : {})}
}

/** `<remote>/<branch>` (or refs/remotes/...) naming a remote-tracking branch: what a new branch tracks. */
export function trackingStart(repo: Repo, start: string | undefined): {remote: string; branch: string} | null {
  if (!start) return null
  const name = start.startsWith('refs/remotes/') ? start.slice('refs/remotes/'.length) : start
  for (const r of listRemotes(repo)) {
    if (!name.startsWith(r.name + '/')) continue
    const branch = name.slice(r.name.length + 1)
    if (readRef(repo, `refs/remotes/${r.name}/${branch}`)) return {remote: r.name, branch}
  }
  return null
}

function requireHead(oid: Oid | null): Oid {
  if (!oid) throw new BlError('UNKNOWN_REVISION', 'HEAD does not point at a commit yet', {hint: 'Make a first commit, or give a start point.'})
  return oid
}

export interface MoveOptions {
  progress?: SwitchOptions['progress']
  /**
   * Runs inside the transaction that records the new index (moving HEAD, committing, saving the
   * operation state), so the database changes all at once after the last file is written.
   */
  publish?(): void
  /** Files already written aside with their content (a clone's download): renamed into place. */
  staged?: StagedFiles
  /** The hint of a refusal over local changes (the default names no flag: most callers have none). */
  refusalHint?: string
  /**
   * Paths the move leaves as they are but a stopped operation will write (its conflicts): like
   * the moved ones, they (and what lies under them) must hold no local change or untracked file,
   * since resolving or aborting the operation rewrites them.
   */
  mustBeClean?: Iterable<string>
}

/**
 * Moves the work tree and index from tree `fromTree` to `toTree`. Without `force`, fails before
 * touching anything if a local change or an untracked file would be lost.
 *
 * Files are written one by one, each atomically; the index (and `publish`) only after the last.
 * A move killed half-way leaves some paths at their old and some at their new version, and the
 * database as it was: run again, it finishes (paths already at their target are not in the way).
 */
export async function moveWorktree(repo: Repo, fromTree: Oid | null, toTree: Oid | null, force: boolean, opts: MoveOptions = {}): Promise<{written: number; removed: number}> {
  const progress = opts.progress
  // Nothing is written before the whole target passed the path rules (forced, nothing of the old
  // tree is trusted: any of it may be rewritten).
  assertSafeTree(repo.store, force ? null : fromTree, toTree, treeLimits(repo))
  // An index known to equal the old tree will equal the new one (status then skips a full diff).
  const indexWasFrom = fromTree !== null && repo.store.indexTree() === fromTree
  // A forced move makes the index the new tree, unless another process staged something meanwhile.
  const indexBefore = force && !indexWasFrom ? repo.store.indexSnapshot() : undefined
  const plan = planMove(repo, fromTree, toTree, force, opts.staged, opts.refusalHint, new Set(opts.mustBeClean ?? []))
  const {writes, indexUpdates} = plan
  await ensureContent(repo, writes.filter((w) => w.target.kind === 'file').map((w) => w.target.id), {progress})
  progress?.onTotals?.(writes.length, sumSizes(writes.map((w) => w.target)))
  // Apply: removals first (a file may become a directory), then writes; then the index.
  for (const p of plan.removeFromWorktree) removeEntry(repo, p)
  let written = 0
  const dirs = new DirCache()
  const writeDirs = new Set(writes.map((w) => path.dirname(absPath(repo, w.p))))
  for (const dir of writeDirs) sweepStaleTemps(dir)
  sweepStaleStages(repo.blDir)
  const breathe = breather()
  const reads = repo.store.readSession()
  const writtenEntries: IndexEntry[] = []
  const unrecord = recordTempDirs(repo.blDir, writeDirs)
  try {
    for (const {p, target} of writes) {
      reads.keep()
      const st = writeEntry(repo, p, target, dirs, opts.staged)
      written++
      progress?.onFile?.(p, target.size)
      writtenEntries.push(makeEntry(p, st, {id: target.id, size: target.size}, plan.now))
      await breathe()
    }
  } finally {
    reads.end()
    unrecord()
  }
  // Only the files written here are dated by the index write (found ones keep their earlier date).
  dateEntries(repo, writtenEntries)
  repo.store.transaction(
    () => {
      // Still so now? A `bl add` that ran while the files were written changed the index (and
      // dropped its known tree): the updates below keep its entries, but the index then is no tree.
      const stillKnown = indexBefore ? repo.store.indexUnchangedSince(indexBefore) : repo.store.indexTree() === fromTree
      for (const p of plan.indexDeletes) repo.store.deleteIndexEntry(p)
      for (const e of indexUpdates) repo.store.putIndexEntry(e)
      for (const e of writtenEntries) repo.store.putIndexEntry(e)
      if ((force || indexWasFrom) && stillKnown && toTree) repo.store.setIndexTree(toTree)
      opts.publish?.()
    },
    {durable: true},
  )
  return {written, removed: plan.indexDeletes.length}
}

interface MovePlan {
  /** Files to write, in path order. */
  writes: Array<{p: string; target: FlatEntry}>
  /** Index entries of paths already at their target, dated before they were verified (the written ones get their own, later date). */
  indexUpdates: IndexEntry[]
  /** Paths leaving the index, and those of them to delete from the work tree. */
  indexDeletes: string[]
  removeFromWorktree: string[]
  now: number
}

/**
 * Decides a move without changing anything, failing (LOCAL_CHANGES, DISK_FULL) before any file
 * is touched. A function of its own so that its maps (the index, both trees, the work-tree view:
 * ~25 MB of heap for 50,000 files) are garbage while the files are written.
 */
function planMove(repo: Repo, fromTree: Oid | null, toTree: Oid | null, force: boolean, stagedFiles: StagedFiles | undefined, refusalHint: string | undefined, mustBeClean: Set<string>): MovePlan {
  // Files found already at their target were verified (by stat or hash) after this moment, and
  // are dated by it: bl did not write them, so a write just after their hash must stay visible.
  const verifiedFrom = fileClock(repo)
  const index = loadIndex(repo)
  const sparse = readSparse(repo)
  let before: Map<string, FlatEntry>
  let after: Map<string, FlatEntry>
  // Paths to change: those differing between the two trees (or, forced, everything that differs from the target).
  const paths = new Set<string>()
  if (force) {
    before = treeMap(repo, fromTree)
    // `checkout -f` of the current commit: one map (a 50,000-file tree's is 12.7 MB of heap).
    after = toTree === fromTree ? before : treeMap(repo, toTree)
    for (const [p, e] of after) if (!before.get(p) || !sameEntry(before.get(p)!, e)) paths.add(p)
    for (const p of before.keys()) if (!after.has(p)) paths.add(p)
    for (const p of index.keys()) paths.add(p)
    for (const p of after.keys()) paths.add(p)
  } else {
    // Only what differs between the trees matters: unchanged subtrees are never read.
    ;({before, after} = diffTrees(repo.store, fromTree, toTree))
    for (const p of before.keys()) paths.add(p)
    for (const p of after.keys()) paths.add(p)
  }
  // A small change looks only at its own paths in the work tree; a big one scans it all.
  const specs = !force && paths.size + mustBeClean.size <= TARGETED_SCAN_MAX ? [...paths, ...mustBeClean] : ['']
  const view = specs.length === 0 ? {dirty: new Map(), clean: new Set<string>(), untracked: [], invalid: [], refreshed: []} : viewWorktree(repo, index, specs, true)
  const untracked = new Set(view.untracked.map((f) => f.path))
  const worktreeIs = (p: string, e: FlatEntry | undefined): boolean => {
    const t = trackedState(view, index, p)
    // An untracked file that already is the target (written by a move that was killed) is not in the way.
    if (!t) return e === undefined ? !untracked.has(p) : untracked.has(p) && holds(repo, p, e)
    if (t.clean) return e !== undefined && t.entry.id === e.id && t.entry.kind === e.kind
    if (!t.st) return e === undefined
    if (!e) return false
    const id = t.clean ? t.entry.id : t.currentId
    return id === e.id && (t.st.isSymbolicLink() ? 'symlink' : 'file') === e.kind
  }
  const problems: string[] = []
  if (!force) {
    const idxFlat = indexAsFlat(index)
    for (const p of paths) {
      const target = after.get(p)
      const staged = idxFlat.get(p)
      const inHead = before.get(p)
      const stagedDiffers = staged ? !inHead || !sameEntry(staged, inHead) : inHead !== undefined
      if (stagedDiffers && !(staged && target && sameEntry(staged, target)) && !(staged === undefined && target === undefined)) problems.push(p)
      // A tracked file deleted from the work tree only is not in the way: the target's version is
      // written (Git treats a missing file as up to date); where the trees agree it stays deleted.
      else if (view.dirty.get(p)?.st && !worktreeIs(p, target)) problems.push(p)
      else if (untracked.has(p) && target && !worktreeIs(p, target)) problems.push(p)
    }
    // A file standing where the target needs a directory: only a tracked, unchanged one that the
    // move itself replaces may go (a newly staged or untracked one would be lost).
    const checked = new Set<string>()
    for (const p of after.keys()) {
      for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
        const d = p.slice(0, i)
        if (checked.has(d)) continue
        checked.add(d)
        if (before.has(d) && !view.dirty.has(d)) continue
        const st = safeLstat(absPath(repo, d))
        if (st && !st.isDirectory()) {
          problems.push(d)
          break
        }
      }
      // A directory standing where the target needs a file: writing it would delete what is inside.
      if (isDirectory(absPath(repo, p)) && hasUntrackedUnder(repo, p, index)) problems.push(p)
    }
    if (mustBeClean.size) {
      const under = (p: string): boolean => [...mustBeClean].some((c) => underSpec(p, c))
      for (const p of view.dirty.keys()) if (under(p)) problems.push(p)
      for (const f of view.untracked) if (under(f.path)) problems.push(f.path)
    }
    if (problems.length) {
      const list = [...new Set(problems)].sort()
      const onlyUntracked = list.every((p) => untracked.has(p))
      throw new BlError('LOCAL_CHANGES', `${onlyUntracked ? 'the untracked' : 'your local changes to'} ${list.length === 1 ? quotePath(list[0]!) : `${list.length} files (${list.slice(0, 3).map(quotePath).join(', ')}${list.length > 3 ? ', ...' : ''})`} would be overwritten`, {
        hint: refusalHint ?? (onlyUntracked ? 'Move or delete the untracked files (or `bl add` and commit them), then run the command again.' : 'Commit them, or discard them with `bl restore <path>`, then run the command again.'),
        data: {paths: list},
      })
    }
  }
  // Decide every write first, so missing content is fetched before anything on disk changes.
  const sorted = [...paths].sort()
  const now = repo.nowMs()
  const indexUpdates: IndexEntry[] = []
  const writes: Array<{p: string; target: FlatEntry}> = []
  for (const p of sorted) {
    const target = after.get(p)
    if (!target) continue
    const idx = index.get(p)
    // Outside a sparse include set an absent file stays absent; the index still follows the target.
    if (outsideSparse(sparse, p) && !safeLstat(absPath(repo, p))) {
      indexUpdates.push(notCheckedOut(p, target))
      continue
    }
    if (!force && idx && worktreeIs(p, target) && idx.id === target.id && idx.exec === target.exec) continue
    if (worktreeIs(p, target) && !(target.kind === 'file' && fs.existsSync(absPath(repo, p)) && isExecMismatch(repo, p, target))) indexUpdates.push(makeEntry(p, fs.lstatSync(absPath(repo, p)), {id: target.id, size: target.size}, verifiedFrom))
    else writes.push({p, target})
  }
  assertRoomFor(repo, writes, before, stagedFiles)
  const indexDeletes: string[] = []
  const removeFromWorktree: string[] = []
  for (const p of sorted) {
    if (after.has(p)) continue
    if (index.has(p) || before.has(p)) {
      if (force || !view.dirty.get(p)?.st) removeFromWorktree.push(p)
      indexDeletes.push(p)
    }
  }
  return {writes, indexUpdates, indexDeletes, removeFromWorktree, now}
}

const sumSizes = (entries: Iterable<{size: number}>): number => {
  let n = 0
  for (const e of entries) n += e.size
  return n
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`

/** Refuses a move whose new bytes (less those of the files it replaces) exceed the free space, before anything is written. */
function assertRoomFor(repo: Repo, writes: Array<{p: string; target: FlatEntry}>, before: Map<string, FlatEntry>, staged?: StagedFiles): void {
  let need = 0
  const onDisk = new Set<Oid>()
  for (const w of writes) {
    // A staged file is on disk already (once: a second path with the same content is written).
    const there = w.target.kind === 'file' && !onDisk.has(w.target.id) && staged?.size(w.target.id) !== undefined
    if (there) onDisk.add(w.target.id)
    need += (there ? 0 : w.target.size) - (before.get(w.p)?.size ?? 0)
  }
  const free = freeBytes(repo.root)
  if (free !== null && need > free)
    throw new BlError('DISK_FULL', `the checkout needs ${mib(need)} more space; ${mib(free)} is free`, {
      hint: 'Free space, or check out part of the tree (`bl clone --include <glob>`, `bl checkout -- <path>`).',
      data: {need, free},
    })
}

/**
 * Writes the tracked files under `specs` that are absent from the work tree, at their index
 * version (content fetched as needed). Nothing present is touched, so no local change is at risk.
 * `only` narrows it further (sparse-checkout: only what the old include set left out, not a file
 * the user deleted).
 */
export async function materializeAbsent(repo: Repo, specs: string[], progress?: SwitchOptions['progress'], only?: (e: IndexEntry) => boolean): Promise<string[]> {
  const index = loadIndex(repo)
  const absent = [...index.values()].filter((e) => underAny(e.path, specs) && (!only || only(e)) && !safeLstat(absPath(repo, e.path)))
  if (absent.length === 0) return []
  // An untracked file or symlink where one of their directories must go would be replaced: refused,
  // nothing written (the index holds no file where it holds files below, so it is not ours).
  const blocked = new Set<string>()
  for (const e of absent) {
    for (let i = e.path.indexOf('/'); i > 0; i = e.path.indexOf('/', i + 1)) {
      const st = safeLstat(absPath(repo, e.path.slice(0, i)))
      if (!st) break
      if (!st.isDirectory()) {
        blocked.add(e.path.slice(0, i))
        break
      }
    }
  }
  if (blocked.size)
    throw new BlError('LOCAL_CHANGES', `untracked ${[...blocked].slice(0, 3).map(quotePath).join(', ')}${blocked.size > 3 ? ', ...' : ''} stand${blocked.size === 1 ? 's' : ''} where a directory of tracked files goes`, {
      hint: 'Move it away (or delete it), then run this again; nothing was changed.',
      data: {paths: [...blocked].sort()},
    })
  assertSafePaths(repo.store, absent)
  await ensureContent(repo, absent.filter((e) => e.kind !== 'symlink').map((e) => e.id), {progress})
  progress?.onTotals?.(absent.length, sumSizes(absent))
  const now = repo.nowMs()
  const dirs = new DirCache()
  const updates: IndexEntry[] = []
  const breathe = breather()
  const reads = repo.store.readSession()
  const unrecord = recordTempDirs(repo.blDir, absent.map((e) => path.dirname(absPath(repo, e.path))))
  try {
    for (const e of absent) {
      reads.keep()
      const flat: FlatEntry = {kind: e.kind === 'symlink' ? 'symlink' : 'file', exec: e.exec, size: e.size, id: e.id}
      updates.push(makeEntry(e.path, writeEntry(repo, e.path, flat, dirs), {id: e.id, size: e.size}, now))
      progress?.onFile?.(e.path, e.size)
      await breathe()
    }
  } finally {
    reads.end()
    unrecord()
  }
  dateEntries(repo, updates)
  repo.store.transaction(() => {
    for (const u of updates) repo.store.putIndexEntry(u)
  }, {durable: true})
  return absent.map((e) => e.path)
}

/** The index entry of a tracked file that is not in the (sparse) work tree: no stat data, never "clean" by stat. */
export function notCheckedOut(p: string, e: FlatEntry): IndexEntry {
  return {path: p, kind: e.kind, exec: e.exec, size: e.size, id: e.id, mtime: 0, ctime: 0, ino: 0, checked: 0}
}

function isDirectory(abs: string): boolean {
  return safeLstat(abs)?.isDirectory() ?? false
}

/** Does directory `dir` hold anything the index does not track (which replacing it would delete)? */
function hasUntrackedUnder(repo: Repo, dir: string, index: Map<string, IndexEntry>): boolean {
  for (const e of fs.readdirSync(absPath(repo, dir), {withFileTypes: true, recursive: true})) {
    if (e.isDirectory() || isTempName(e.name)) continue
    const full = path.join(e.parentPath ?? (e as unknown as {path: string}).path, e.name)
    const rel = path.relative(repo.root, full).split(path.sep).join('/')
    if (!index.has(rel)) return true
  }
  return false
}

/** Does the file at `p` have exactly entry `e`'s kind, mode and content? */
function holds(repo: Repo, p: string, e: FlatEntry): boolean {
  const st = safeLstat(absPath(repo, p))
  if (!st || statKind(st) !== e.kind || (e.kind === 'file' && isExec(st) !== e.exec) || st.size !== e.size) return false
  return worktreeId(repo, p, st).id === e.id
}

function isExecMismatch(repo: Repo, p: string, e: FlatEntry): boolean {
  const st = fs.lstatSync(absPath(repo, p))
  return ((st.mode & 0o100) !== 0) !== e.exec
}

export interface RestoreOptions {
  paths: string[]
  /** Revision to take content from; default: the index (worktree) or HEAD (staged). */
  source?: string
  staged?: boolean
  worktree?: boolean
  /**
   * Git's overlay mode (`checkout [rev] -- paths`): paths absent from the source are left alone,
   * and every pathspec must match something in it. Without it (`restore`), tracked paths absent
   * from the source are removed.
   */
  overlay?: boolean
  /** Content fetched from a remote first (lazy clone, evicted), then the files written. */
  progress?: CheckoutProgress
}

export interface RestoreResult {
  restored: string[]
  removed: string[]
}

/** bl restore / bl checkout [rev] -- paths. */
export async function restore(repo: Repo, opts: RestoreOptions): Promise<RestoreResult> {
  if (opts.paths.length === 0) throw new BlError('INVALID_ARGUMENT', 'you must specify path(s) to restore', {hint: 'e.g. `bl restore data.csv` or `bl restore .`'})
  const specs = opts.paths.map((p) => toRepoPath(repo, p))
  const staged = opts.staged ?? false
  const worktree = opts.worktree ?? !staged
  const index = loadIndex(repo)
  let source: Map<string, FlatEntry>
  if (opts.source) {
    const tree = commitTree(repo, resolveRevision(repo, opts.source))
    if (worktree) assertSafeTree(repo.store, null, tree, treeLimits(repo))
    source = treeMap(repo, tree)
  } else if (staged) {
    const head = readHead(repo).oid
    source = treeMap(repo, head ? commitTree(repo, head) : null)
  } else source = indexAsFlat(index)
  const matches = [...source.keys()].filter((p) => underAny(p, specs))
  const trackedMatches = [...index.keys()].filter((p) => underAny(p, specs))
  const noMatch = (spec: string): BlError =>
    new BlError('PATHSPEC_NO_MATCH', `pathspec '${spec}' did not match any file known to bl${opts.source ? ` in ${opts.source}` : ''}`, {hint: 'Check the path with `bl ls-tree -r HEAD` or `bl status`.', data: {path: spec}})
  // Every pathspec must match (in the overlay mode, a path of the source), else nothing is restored, as in Git.
  const matchable = opts.overlay ? matches : [...matches, ...trackedMatches]
  specs.forEach((spec, i) => {
    if (!matchable.some((p) => underSpec(p, spec))) throw noMatch(opts.paths[i]!)
  })
  const result: RestoreResult = {restored: [], removed: []}
  if (worktree) assertSafePaths(repo.store, matches.map((p) => ({path: p, ...source.get(p)!})))
  // The content first (a lazy clone or an evicted store fetches it), before any file changes.
  if (worktree) {
    await ensureContent(repo, matches.map((p) => source.get(p)!).filter((e) => e.kind === 'file').map((e) => e.id), {progress: opts.progress})
    opts.progress?.onTotals?.(matches.length, sumSizes(matches.map((p) => source.get(p)!)))
  }
  // In a sparse work tree, restoring a path also brings it into the include set, so later
  // switches and pulls keep it up to date.
  const sparse = worktree ? readSparse(repo) : null
  const now = repo.nowMs()
  const updates: IndexEntry[] = []
  const deletes: string[] = []
  const breathe = breather()
  for (const p of matches) {
    const e = source.get(p)!
    let st: fs.Stats | undefined
    if (worktree) {
      st = writeEntry(repo, p, e)
      opts.progress?.onFile?.(p, e.size)
      await breathe()
    }
    if (staged) {
      st ??= fs.lstatSync(absPath(repo, p), {throwIfNoEntry: false}) ?? undefined
      updates.push(st && worktree ? makeEntry(p, st, {id: e.id, size: e.size}, now) : notCheckedOut(p, e))
    } else if (worktree && st) {
      const idx = index.get(p)
      if (idx && idx.id === e.id) updates.push(makeEntry(p, st, {id: e.id, size: e.size}, now))
    }
    result.restored.push(p)
  }
  // Tracked paths absent from the source go away: from the index with --staged, from the work tree with --worktree.
  if ((opts.source || staged) && !opts.overlay) {
    for (const p of trackedMatches) {
      if (source.has(p)) continue
      if (worktree) removeEntry(repo, p)
      if (staged) deletes.push(p)
      result.removed.push(p)
    }
  }
  dateEntries(repo, updates)
  repo.store.transaction(
    () => {
      for (const e of updates) repo.store.putIndexEntry(e)
      for (const p of deletes) repo.store.deleteIndexEntry(p)
      // Staging a version of a conflicted path resolves it (`checkout <rev> -- <path>`), as in Git.
      if (staged) markResolved(repo, specs, deletes)
      if (sparse) writeSparse(repo, {include: [...sparse.include, ...specs]})
    },
    {durable: true},
  )
  return result
}
