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
import {compareWithIndex, fileClock} from '../worktree/index-state.js'
import {underAny} from '../worktree/paths.js'
import {absentByDesign, readSparse} from '../worktree/sparse.js'
import {ancestorDirs, scanWorktree, type ScannedFile} from '../worktree/scan.js'

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
  for (const [p, e] of index) m.set(p, {kind: e.kind === 'symlink' ? 'symlink' : 'file', exec: e.exec, size: e.size, id: e.id})
  return m
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
  // The file-system clock, read once, before the first file is hashed (most statuses hash none).
  let now: number | undefined
  const clock = (): number => (now ??= fileClock(repo))
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
      const cmp = compareWithIndex(repo, e, f.st!, clock)
      if (cmp.refreshed) view.refreshed.push(cmp.refreshed)
      if (cmp.clean) view.clean.add(f.path)
      else view.dirty.set(f.path, {entry: e, st: f.st, clean: false, currentId: cmp.current?.id, currentSize: cmp.current?.size})
    },
  })
  view.invalid = scan.invalid
  const sparse = readSparse(repo)
  for (const [p, e] of index) {
    if (view.clean.has(p) || view.dirty.has(p)) continue
    if (!underAny(p, specs)) continue
    // Absent outside a sparse include set: not checked out, which is not a change.
    if (absentByDesign(sparse, p, e)) view.clean.add(p)
    else view.dirty.set(p, {entry: e, clean: false})
  }
  return view
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
