/**
 * bl blame <table>: for each row of one version of a table, the commit that last added or changed
 * it, as `git blame` does for lines. Rows are matched across versions by `key` columns (a changed
 * cell blames the commit that changed it) or, without a key, by content (a row blames the commit
 * that introduced that exact row).
 *
 * The walk goes back through the commits that changed the file (log --follow -- <path>: across
 * renames, also one that changed the table, as git blame follows them), newest first,
 * diffing each against its parents with the row diff of `bl diff --rows`, and stops once
 * every row asked about has its commit. The rows of the version blamed are held in memory, as
 * git blame holds the file's lines; `lines` limits which rows are asked about (and so how far
 * back the walk goes).
 */
import {BlError, isBlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadCommit} from '../odb.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {openTable, type OpenOptions} from '../tables/open.js'
import {diffRows} from '../tables/row-diff.js'
import type {Cell, TableReader} from '../tables/types.js'
import {toRepoPath} from '../worktree/paths.js'
import {nameInParent} from '../diff/similarity.js'
import {logGraph} from './log.js'
import {locateCommitted} from './tables.js'

export interface BlameRequest {
  /** The version to blame (default HEAD). */
  rev?: string
  /** The table, relative to the current directory. */
  path: string
  /** Key columns; null/empty: rows are matched by content. */
  key?: string[] | null
  /** Only rows starting on lines start..end (inclusive; the row number for JSON and Parquet), as `git blame -L`. */
  lines?: {start: number; end: number}
  open?: OpenOptions
}

export interface BlameCommit {
  id: Oid
  author: {name: string; email: string; time: number; tz: number}
  summary: string
  /** The table's name in this commit (it differs from `path` before a rename). */
  path: string
}

export interface BlameRow {
  line: number
  /** The key cells (keyed blame), else null. */
  key: Record<string, Cell> | null
  cells: Record<string, Cell>
  commit: Oid
}

export interface BlameResult {
  path: string
  rev: string
  commit: Oid
  key: string[] | null
  /** Rows blamed, in table order. */
  rows: BlameRow[]
  /** The commits rows point at, newest first. */
  commits: BlameCommit[]
}

const keyString = (cells: Record<string, Cell>, key: string[]): string => JSON.stringify(key.map((k) => cells[k] ?? null))

export async function blame(repo: Repo, req: BlameRequest): Promise<BlameResult> {
  const rev = req.rev ?? 'HEAD'
  const p = toRepoPath(repo, req.path)
  if (p === '') throw new BlError('NOT_A_TABLE', 'the repository root is not a table', {hint: 'Name one table file: bl blame data/labels.csv --key id'})
  const commit = resolveRevision(repo, rev)
  const key = req.key && req.key.length ? [...new Set(req.key)] : null
  const open = async (r: string, c: Oid | undefined, path = p): Promise<TableReader | null> => {
    if (!c) return null
    try {
      const loc = await locateCommitted(repo, r, c, path)
      return await openTable(loc.source, loc.path, req.open ?? {})
    } catch (err) {
      if (isBlError(err) && err.code === 'PATH_NOT_FOUND' && r !== rev) return null
      throw err
    }
  }
  // Every row of the version blamed (an empty old side makes them all "added", in table order).
  const current = await diffRows({reader: null, label: 'nothing'}, {reader: await open(rev, commit), label: rev, rev}, {key, limit: Infinity, path: p})
  const rows: BlameRow[] = current.added
    .filter((r) => !req.lines || (r.line >= req.lines.start && r.line <= req.lines.end))
    .map((r) => ({line: r.line, key: key ? Object.fromEntries(key.map((k) => [k, r.cells[k] ?? null])) : null, cells: r.cells, commit: '' as Oid}))
  // Rows still without a commit: by key, or by content (several rows may share one).
  const open_ = new Map<string, BlameRow[]>()
  const identity = (cells: Record<string, Cell>): string => (key ? keyString(cells, key) : JSON.stringify(Object.keys(cells).sort().map((c) => [c, cells[c]])))
  for (const r of rows) {
    const k = identity(r.cells)
    ;(open_.get(k) ?? open_.set(k, []).get(k)!).push(r)
  }
  let left = rows.length
  const commits = new Map<Oid, BlameCommit>()
  const assign = (k: string, c: Oid): void => {
    const waiting = open_.get(k)
    if (!waiting?.length) return
    // By content, one row added per occurrence: the last ones in the table take the newest commit.
    const r = waiting.pop()!
    r.commit = c
    left--
    if (waiting.length === 0) open_.delete(k)
  }
  // Children before parents (the graph order): by committer time alone, commits made within one
  // second could come parent first, and the parent would take rows its child changed.
  // As git blame, across renames: each commit is read under the table's name there (log --follow).
  for (const e of left ? logGraph(repo, {revs: [commit], paths: [p], follow: true}).entries : []) {
    const name = e.path ?? p
    const mine = await open(e.id, e.id, name)
    // What this commit brought against each parent; a merge is blamed only for what is new against
    // all of them (the rest came from a side, whose own commits are further down the log).
    let introduced: Map<string, number> | undefined
    for (const parent of e.parents.length ? e.parents : [undefined]) {
      const was = parent ? nameInParent(repo.store, loadCommit(repo.store, parent).tree, e.tree, name) : undefined
      const before = parent && was !== undefined ? await open(parent, parent, was) : null
      const res = await diffRows({reader: before, label: parent?.slice(0, 12) ?? 'nothing'}, {reader: mine, label: e.id.slice(0, 12)}, {key, limit: Infinity, path: name})
      const here = new Map<string, number>()
      const count = (k: string): void => void here.set(k, (here.get(k) ?? 0) + 1)
      for (const r of res.added) count(identity(r.cells))
      if (key) for (const ch of res.changed) count(keyString(ch.key, key))
      introduced = introduced ? new Map([...introduced].flatMap(([k, n]) => (here.has(k) ? [[k, Math.min(n, here.get(k)!)] as [string, number]] : []))) : here
    }
    const waiting = left
    for (const [k, n] of introduced ?? []) for (let i = 0; i < n; i++) assign(k, e.id)
    if (left < waiting) commits.set(e.id, {id: e.id, author: e.author, summary: e.message.split('\n')[0]!, path: name})
    if (left === 0) break
  }
  // A row no step added (history cut short, e.g. a file whose commits were rewritten): the oldest commit reached.
  if (left > 0) {
    const c = loadCommit(repo.store, commit)
    for (const r of rows) if (!r.commit) r.commit = commit
    commits.set(commit, {id: commit, author: c.author, summary: c.message.split('\n')[0]!, path: p})
  }
  return {path: p, rev, commit, key, rows, commits: [...commits.values()]}
}
