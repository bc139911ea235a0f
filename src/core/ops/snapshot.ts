/**
 * Shared reads of the three snapshots every work-tree command compares: HEAD's tree, the index
 * and the work tree.
 */
import type fs from 'node:fs'
import type {Oid} from '../hash.js'
import {loadCommit} from '../odb.js'
import {readHead} from '../refs/refs.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import {flattenTree, type FlatEntry} from '../tree-build.js'
import {compareWithIndex} from '../worktree/index-state.js'
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

export interface WorktreeView {
  /** Tracked paths and what the work tree holds for each (undefined: deleted). */
  tracked: Map<string, {entry: IndexEntry; st?: fs.Stats; clean: boolean; currentId?: Oid; currentSize?: number}>
  /** Non-ignored files not in the index. */
  untracked: ScannedFile[]
  invalid: Array<{path: string; problem: string}>
  /** Index entries whose stat cache was refreshed (write them back when convenient). */
  refreshed: IndexEntry[]
}

/** Compares the work tree with the index under `specs`. */
export function viewWorktree(repo: Repo, index: Map<string, IndexEntry>, specs: string[], withUntracked = true): WorktreeView {
  const trackedSet = new Set(index.keys())
  const scan = scanWorktree(repo, {
    specs,
    tracked: trackedSet,
    trackedDirs: ancestorDirs(trackedSet),
    needStat: (p) => trackedSet.has(p),
  })
  const now = repo.nowMs()
  const view: WorktreeView = {tracked: new Map(), untracked: [], invalid: scan.invalid, refreshed: []}
  const seen = new Set<string>()
  for (const f of scan.files) {
    const e = index.get(f.path)
    if (!e) {
      if (withUntracked) view.untracked.push(f)
      continue
    }
    seen.add(f.path)
    const cmp = compareWithIndex(repo, e, f.st!, now)
    if (cmp.refreshed) view.refreshed.push(cmp.refreshed)
    view.tracked.set(f.path, {entry: e, st: f.st, clean: cmp.clean, currentId: cmp.current?.id, currentSize: cmp.current?.size})
  }
  for (const [p, e] of index) {
    if (seen.has(p)) continue
    if (specs.length && !specs.some((s) => s === '' || p === s || p.startsWith(s + '/'))) continue
    view.tracked.set(p, {entry: e, clean: false})
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
