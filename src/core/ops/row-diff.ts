/**
 * bl diff --rows: the rows added, removed and changed in one table between two versions (commits
 * or the work tree), and the schema changes `bl diff --stat` notes for modified tables.
 */
import fs from 'node:fs'
import path from 'node:path'
import {BlError, isBlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadBlob} from '../odb.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {openTable, type OpenOptions} from '../tables/open.js'
import {parallelCsvScan} from '../tables/parallel-stats.js'
import {columnChanges, diffRows, type ColumnChanges, type RowDiffResult} from '../tables/row-diff.js'
import {fileSource} from '../tables/source.js'
import {computeStats, type TableStats} from '../tables/stats.js'
import type {TableFormat, TableReader} from '../tables/types.js'
import {absPath, toRepoPath} from '../worktree/paths.js'
import type {DiffResult} from './diff.js'
import {isTablePath, locateCommitted, statsOfBlob, type TableLocation} from './tables.js'

export interface RowDiffRequest {
  /** Arguments before `--`: zero, one or two revisions (or `A..B`); a work-tree file also counts as the path. */
  revs: string[]
  /** Arguments after `--`: the one table path. */
  paths: string[]
  /** Key columns; null/empty: rows are matched by content. */
  key?: string[] | null
  /** Rows of each kind returned with their cells (default: all; 0: counts only). */
  limit?: number
  /** How to read both versions (format, delimiter, header). */
  open?: OpenOptions
}

export interface RowDiffSideInfo {
  /** The revision as given; null = the work tree. */
  rev: string | null
  /** False when the file is not in this version (then it has no rows and no columns). */
  exists: boolean
  format: TableFormat | null
  rows: number
  columns: string[]
}

export interface RowDiffReport extends Omit<RowDiffResult, 'from' | 'to'> {
  path: string
  from: RowDiffSideInfo
  to: RowDiffSideInfo
}

function isRevision(repo: Repo, rev: string): boolean {
  try {
    resolveRevision(repo, rev)
    return true
  } catch (err) {
    if (isBlError(err) && (err.code === 'UNKNOWN_REVISION' || err.code === 'AMBIGUOUS_REVISION')) return false
    throw err
  }
}

interface Side {
  rev: string | null
  label: string
  loc: TableLocation | null
}

async function committedSide(repo: Repo, rev: string, p: string, optional = false): Promise<Side> {
  let commit: Oid
  try {
    commit = resolveRevision(repo, rev)
  } catch (err) {
    // No commit yet: the file is new in the work tree.
    if (optional && isBlError(err) && err.code === 'UNKNOWN_REVISION') return {rev, label: rev, loc: null}
    throw err
  }
  try {
    return {rev, label: rev, loc: await locateCommitted(repo, rev, commit, p)}
  } catch (err) {
    if (isBlError(err) && err.code === 'PATH_NOT_FOUND') return {rev, label: rev, loc: null}
    throw err
  }
}

function worktreeSide(repo: Repo, p: string): Side {
  const abs = absPath(repo, p)
  const st = fs.statSync(abs, {throwIfNoEntry: false})
  if (!st) return {rev: null, label: 'the work tree', loc: null}
  if (!st.isFile()) throw new BlError('NOT_A_TABLE', `'${p}' is not a file in the work tree`, {hint: 'Name one table file: bl diff --rows HEAD~1 HEAD -- data/table.csv', data: {path: p}})
  return {rev: null, label: 'the work tree', loc: {path: p, rev: null, commit: null, id: null, source: fileSource(abs, p)}}
}

export async function rowDiff(repo: Repo, req: RowDiffRequest): Promise<RowDiffReport> {
  const revArgs: string[] = []
  const paths = [...req.paths]
  for (const a of req.revs) {
    if (!a.includes('..') && !isRevision(repo, a) && fs.existsSync(path.resolve(repo.ctx.cwd, a))) paths.push(a)
    else revArgs.push(a)
  }
  if (paths.length !== 1)
    throw new BlError('INVALID_ARGUMENT', paths.length === 0 ? 'diff --rows needs the table to compare' : `diff --rows compares one table, got ${paths.length} paths`, {
      hint: 'Name one table file after `--`: bl diff --rows HEAD~1 HEAD -- data/table.csv',
      data: {paths},
    })
  const p = toRepoPath(repo, paths[0]!)
  if (p === '') throw new BlError('NOT_A_TABLE', `'${paths[0]}' is the repository root, not a table`, {hint: 'Name one table file: bl diff --rows HEAD~1 HEAD -- data/table.csv', data: {path: paths[0]}})
  let revs = revArgs
  if (revs.length === 1 && revs[0]!.includes('..')) {
    const [a, b] = revs[0]!.split('..')
    revs = [a || 'HEAD', b || 'HEAD']
  }
  if (revs.length > 2) throw new BlError('INVALID_ARGUMENT', 'diff --rows takes at most two revisions', {hint: 'Use `bl diff --rows A B -- <table>`.'})
  const from = revs.length ? await committedSide(repo, revs[0]!, p) : await committedSide(repo, 'HEAD', p, true)
  const to = revs.length === 2 ? await committedSide(repo, revs[1]!, p) : worktreeSide(repo, p)
  if (!from.loc && !to.loc)
    throw new BlError('PATH_NOT_FOUND', `'${p}' is in neither ${from.label} nor ${to.label}`, {hint: `List the files with \`bl ls-tree -r ${from.rev ?? 'HEAD'}\`.`, data: {path: p, from: from.rev, to: to.rev}})
  const open = async (s: Side): Promise<TableReader | null> => (s.loc ? openTable(s.loc.source, s.loc.path, req.open ?? {}) : null)
  const oldR = await open(from)
  const newR = await open(to)
  const res = await diffRows({reader: oldR, label: from.label, rev: from.rev}, {reader: newR, label: to.label, rev: to.rev}, {key: req.key, limit: req.limit, path: p})
  const side = (s: Side, r: TableReader | null, sum: RowDiffResult['from']): RowDiffSideInfo => ({rev: s.rev, exists: r !== null, format: r?.format ?? null, rows: sum.rows, columns: sum.columns})
  const {from: f, to: t, ...rest} = res
  return {path: p, from: side(from, oldR, f), to: side(to, newR, t), ...rest}
}

// ---- schema changes for diff --stat ---------------------------------------------------------------

/** Column changes of each modified table file of a diff whose two versions both read as tables. */
export async function schemaChanges(repo: Repo, res: DiffResult): Promise<Map<string, ColumnChanges>> {
  const out = new Map<string, ColumnChanges>()
  for (const c of res.changes) {
    if (c.status !== 'M' || c.old?.kind !== 'file' || c.new?.kind !== 'file' || !isTablePath(c.path)) continue
    try {
      const before = await blobTypes(repo, c.old.id, c.path)
      const after = res.to === 'worktree' ? await worktreeTypes(repo, c.path) : await blobTypes(repo, c.new.id, c.path)
      if (!before || !after) continue
      const ch = columnChanges(before, after)
      if (ch.added.length || ch.removed.length || ch.retyped.length) out.set(c.path, ch)
    } catch {
      // A table that does not parse (or anything else going wrong) only loses its schema note.
    }
  }
  return out
}

function typesOf(stats: TableStats): {columns: string[]; types: TableStats['columns'][number]['type'][]} {
  return {columns: stats.columns.map((c) => c.name), types: stats.columns.map((c) => c.type)}
}

/** Cached statistics of a committed (or staged) file; null when its content is not local (no fetching for a note). */
async function blobTypes(repo: Repo, id: Oid, p: string): Promise<ReturnType<typeof typesOf> | null> {
  if (!loadBlob(repo.store, id).chunks.every((ch) => repo.store.hasChunk(ch.id as Oid))) return null
  return typesOf(await statsOfBlob(repo, id, p))
}

/** A work-tree file's statistics, computed (not cached: the file may change any time). */
async function worktreeTypes(repo: Repo, p: string): Promise<ReturnType<typeof typesOf>> {
  const src = fileSource(absPath(repo, p), p)
  return typesOf(await computeStats(await openTable(src, p), parallelCsvScan(src)))
}
