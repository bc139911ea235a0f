/**
 * Shared reads of the three snapshots every work-tree command compares: HEAD's tree, the index
 * and the work tree.
 */
import type {FileStat} from '../worktree/dir-reader.js'
import type {Oid} from '../hash.js'
import {loadCommit} from '../odb.js'
import {readHead} from '../refs/refs.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import {flattenTree, type FlatEntry} from '../tree-build.js'
import nodeFs from 'node:fs'
import {compareWithIndex, fileClock} from '../worktree/index-state.js'
import {scanTracked} from '../worktree/tracked-scan.js'
import {absPath, underAny} from '../worktree/paths.js'
import {absentByDesign, readSparse} from '../worktree/sparse.js'
import {ancestorDirs, scanListed, scanWorktree, type ScannedFile} from '../worktree/scan.js'

export function commitTree(repo: Repo, commit: Oid | null): Oid | null {
  return commit ? loadCommit(repo.store, commit).tree : null
}

export function headTree(repo: Repo): Oid | null {
  return commitTree(repo, readHead(repo).oid)
}

export function treeMap(repo: Repo, tree: Oid | null, prefix = ''): Map<string, FlatEntry> {
  return tree ? flattenTree(repo.store, tree, prefix) : new Map()
}

export function indexAsFlat(index: Map<string, IndexEntry>): Map<string, FlatEntry> {
  const m = new Map<string, FlatEntry>()
  for (const [p, e] of index) m.set(p, flatOf(e))
  return m
}

/** An index entry as a tree entry. */
export function flatOf(e: IndexEntry): FlatEntry {
  return {kind: e.kind === 'symlink' ? 'symlink' : 'file', exec: e.exec, size: e.size, id: e.id}
}

export interface TrackedState {
  entry: IndexEntry
  /** lstat of the work-tree file; undefined when it is gone. */
  st?: FileStat
  clean: boolean
  currentId?: Oid
  currentSize?: number
}

export interface WorktreeView {
  /** Tracked paths whose work-tree file differs from the index (or is gone). */
  dirty: Map<string, TrackedState>
  /** Tracked paths whose work-tree file matches the index. */
  clean: Set<string>
  /** Non-ignored files not in the index. */
  untracked: ScannedFile[]
  invalid: Array<{path: string; problem: string}>
  /** Index entries whose stat cache was refreshed (write them back when convenient). */
  refreshed: IndexEntry[]
}

/** The state of tracked path `p` in the work tree, or undefined when it is not tracked (or not scanned). */
export function trackedState(view: WorktreeView, index: Map<string, IndexEntry>, p: string): TrackedState | undefined {
  if (view.clean.has(p)) return {entry: index.get(p)!, clean: true}
  return view.dirty.get(p)
}

/** Compares the work tree with the index under `specs`. */
export function viewWorktree(repo: Repo, index: Map<string, IndexEntry>, specs: string[], withUntracked = true): WorktreeView {
  const clock = lazyClock(repo)
  const view: WorktreeView = {dirty: new Map(), clean: new Set(), untracked: [], invalid: [], refreshed: []}
  const scan = scanWorktree(repo, {
    specs,
    tracked: index,
    trackedDirs: ancestorDirs(index.keys()),
    needStat: (p) => index.has(p),
    onFile(f) {
      const e = index.get(f.path)
      if (!e) {
        if (withUntracked) view.untracked.push(f)
        return
      }
      if (judgeTracked(repo, view, e, f.st!, clock)) view.clean.add(f.path)
    },
  })
  view.invalid = scan.invalid
  const sparse = readSparse(repo)
  for (const [p, e] of index) {
    if (view.clean.has(p) || view.dirty.has(p)) continue
    if (!underAny(p, specs)) continue
    if (judgeAbsent(sparse, view, e)) view.clean.add(p)
  }
  return view
}

/** What a status shows of the work tree: WorktreeView without the (large) set of clean paths. */
export interface StatusView extends Omit<WorktreeView, 'clean'> {
  /** Does this directory hold tracked files (for showing wholly untracked ones as "dir/")? */
  trackedDir(dir: string): boolean
}

/**
 * The whole work tree against the index without decoding it, by the native tracked scan
 * (tracked-scan.ts): only entries whose stat does not prove them unchanged are decoded and
 * compared, and only directories with untracked names are gone through here. The same answers as
 * viewWorktree; null where the scan cannot be made (the caller takes viewWorktree).
 */
export function viewWorktreeQuick(repo: Repo): StatusView | null {
  const blob = repo.store.readIndexBlob()
  const scan = blob && scanTracked(repo, blob)
  if (!scan) return null
  const clock = lazyClock(repo)
  const view: StatusView = {dirty: new Map(), untracked: [], invalid: [], refreshed: [], trackedDir: () => true}
  const sparse = readSparse(repo)
  try {
    for (const {entry, present} of scan.flagged) {
      const st = present ? nodeFs.lstatSync(absPath(repo, entry.path), {throwIfNoEntry: false}) : undefined
      // Listed as a file or symlink a moment ago; anything else now is as good as gone.
      if (st && (st.isFile() || st.isSymbolicLink())) judgeTracked(repo, view, entry, st, clock)
      else judgeAbsent(sparse, view, entry)
    }
    view.invalid = scanListed(repo, scan.listings, {onFile: (f) => view.untracked.push(f)}).invalid
  } catch {
    // A file or directory that cannot be read: the walk, in its own order, reports the error it
    // always reported (nothing has been written yet).
    return null
  }
  const roots = new Set<string>()
  for (const {dir, entries} of scan.listings)
    for (const d of entries) if (d.type === 'dir' && !d.tracked) roots.add(dir === '' ? d.name : `${dir}/${d.name}`)
  // Every directory above an untracked file is tracked up to the untracked directory it was found in.
  view.trackedDir = (d) => !roots.has(d)
  return view
}

/** The file-system clock, read once, before the first file is hashed (most statuses hash none). */
function lazyClock(repo: Repo): () => number {
  let now: number | undefined
  return () => (now ??= fileClock(repo))
}

/** Judges a tracked file present in the work tree; true when it is unchanged. */
function judgeTracked(repo: Repo, view: Pick<WorktreeView, 'dirty' | 'refreshed'>, e: IndexEntry, st: FileStat, clock: () => number): boolean {
  const cmp = compareWithIndex(repo, e, st, clock)
  if (cmp.refreshed) view.refreshed.push(cmp.refreshed)
  if (!cmp.clean) view.dirty.set(e.path, {entry: e, st, clean: false, currentId: cmp.current?.id, currentSize: cmp.current?.size})
  return cmp.clean
}

/** Judges a tracked file missing from the work tree; true when that is no change. */
function judgeAbsent(sparse: ReturnType<typeof readSparse>, view: Pick<WorktreeView, 'dirty'>, e: IndexEntry): boolean {
  // Absent outside a sparse include set: not checked out, which is not a change.
  if (absentByDesign(sparse, e.path, e)) return true
  view.dirty.set(e.path, {entry: e, clean: false})
  return false
}

/** Writes refreshed stat data back, if the repository isn't busy (a pure optimisation). */
export function saveRefreshed(repo: Repo, refreshed: IndexEntry[]): void {
  if (refreshed.length === 0) return
  try {
    repo.store.transaction(() => {
      for (const e of refreshed) repo.store.refreshIndexStat(e)
    })
  } catch {
    // Busy or read-only: the next command re-hashes instead.
  }
}
