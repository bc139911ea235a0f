/**
 * bl preview / stats / schema: tables in committed files (`<rev>:<path>`) or in the work tree
 * (a plain path). Stats of a committed file are cached by its id, so they are computed once.
 */
import fs from 'node:fs'
import {BlError, isBlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadCommit, loadTree} from '../odb.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {lookupPath} from '../tree-build.js'
import {absPath, revPathOf, toRepoPath} from '../worktree/paths.js'
import {readJsonDocument} from '../tables/json.js'
import {detectFormat, formatOfPath, openTable, type OpenOptions} from '../tables/open.js'
import {blobSource, fileSource} from '../tables/source.js'
import {parallelCsvScan} from '../tables/parallel-stats.js'
import {computeStats, schemaOf, type ColumnSchema, type TableStats} from '../tables/stats.js'
import {typeOf, widen} from '../tables/infer.js'
import type {ByteSource, Cell, ColumnType, TableFormat, TableReader} from '../tables/types.js'
import {ensureContent} from './content.js'
import {loadIndex} from '../worktree/index-state.js'

/** Bump when the statistics change meaning: cached ones of older versions are ignored. */
// 2: the key holds the format (entries before it may hold another format's stats).
// 3: integers beyond 2^53 in text are `integer` with exact min/max.
// 4: distinct and top values count typed values (`TRUE` = `true`, `1.0` = `1`), not spellings.
// 5: timestamp min/max by instant (UTC offsets count), not by text.
// 6: a named format (--format csv/tsv) picks the delimiter.
// 7: a JSONL line that is an array is BAD_TABLE (cached stats of such files must not outlive it).
const STATS_VERSION = 7

export interface TableLocation {
  /** Repository-relative path. */
  path: string
  /** The revision as given, or null for the work tree. */
  rev: string | null
  commit: Oid | null
  /** The file's id; null for a work-tree file. */
  id: Oid | null
  source: ByteSource
}

/** `<rev>:<path>` (a committed file) or a path in the work tree. */
export async function locateTable(repo: Repo, spec: string): Promise<TableLocation> {
  if (spec.startsWith(':')) return locateStaged(repo, spec)
  const colon = spec.indexOf(':')
  if (colon >= 0) {
    const rev = spec.slice(0, colon) || 'HEAD'
    const path = revPathOf(repo, spec.slice(colon + 1))
    if (path === '') throw new BlError('INVALID_ARGUMENT', `"${spec}" names no file`, {hint: 'Use <rev>:<path>, e.g. HEAD:data/table.csv.'})
    const commit = resolveRevision(repo, rev)
    return locateCommitted(repo, rev, commit, path)
  }
  const path = toRepoPath(repo, spec)
  const abs = absPath(repo, path)
  const st = fs.statSync(abs, {throwIfNoEntry: false})
  if (!st) throw new BlError('PATH_NOT_FOUND', `'${spec}' does not exist in the work tree`, {hint: 'For a committed version use <rev>:<path>, e.g. HEAD:' + path + '.', data: {path}})
  if (!st.isFile()) throw new BlError('NOT_A_TABLE', `'${spec}' is not a file`, {hint: 'Name one table file.', data: {path}})
  return {path, rev: null, commit: null, id: null, source: fileSource(abs, path)}
}

/** `:<path>` or `:0:<path>`: the version in the index, as `bl show` and Git read it (rev "index"). */
async function locateStaged(repo: Repo, spec: string): Promise<TableLocation> {
  const m = /^:(?:([0-3]):)?(.*)$/s.exec(spec)!
  if (m[1] && m[1] !== '0')
    throw new BlError('INVALID_ARGUMENT', `'${spec}': a conflict stage is not read as a table`, {hint: `Look at it with \`bl show ${spec}\`, or resolve the conflict first.`, data: {spec}})
  const path = revPathOf(repo, m[2]!)
  const e = loadIndex(repo).get(path)
  if (!e) throw new BlError('PATH_NOT_FOUND', `path '${path}' is not in the index`, {hint: '`bl status` shows what is staged; a committed version is <rev>:<path>.', data: {path}})
  if (e.kind !== 'file') throw new BlError('NOT_A_TABLE', `'${spec}' is a symbolic link, not a table`, {hint: 'Name the file it points to.', data: {path}})
  await ensureContent(repo, [e.id])
  return {path, rev: 'index', commit: null, id: e.id, source: blobSource(repo.store, e.id, `:${path}`)}
}

export async function locateCommitted(repo: Repo, rev: string, commit: Oid, path: string): Promise<TableLocation> {
  const e = lookupPath(repo.store, loadCommit(repo.store, commit).tree, path)
  if (!e) throw new BlError('PATH_NOT_FOUND', `path '${path}' does not exist in '${rev}'`, {hint: `List the tree with \`bl ls-tree -r ${rev}\`.`, data: {rev, path}})
  if (e.kind !== 'file') throw new BlError('NOT_A_TABLE', `'${rev}:${path}' is a ${e.kind === 'dir' ? 'directory' : 'symbolic link'}, not a table`, {hint: e.kind === 'dir' ? `\`bl stats ${rev}:${path}\` summarizes a directory.` : 'Name the file it points to.', data: {path}})
  await ensureContent(repo, [e.id])
  return {path, rev, commit, id: e.id, source: blobSource(repo.store, e.id, `${rev}:${path}`)}
}

// ---- preview -----------------------------------------------------------------------------------

export interface PreviewOptions extends OpenOptions {
  /** Rows to show (default 20). */
  rows?: number
  /** Only these columns, in this order. */
  columns?: string[]
}

export interface PreviewColumn {
  name: string
  /** Inferred from the rows shown (Parquet: declared). */
  type: ColumnType
}

export type PreviewResult =
  | {
      kind: 'table'
      path: string
      rev: string | null
      format: TableFormat
      delimiter: string | null
      header: boolean | null
      columns: PreviewColumn[]
      rows: Cell[][]
      /** Rows in the table when known without reading it all (Parquet, JSON), else null. */
      totalRows: number | null
      /** More rows follow the ones shown. */
      truncated: boolean
    }
  | {kind: 'document'; path: string; rev: string | null; format: 'json'; text: string; truncated: boolean}

export async function preview(repo: Repo, spec: string, opts: PreviewOptions = {}): Promise<PreviewResult> {
  const n = opts.rows ?? 20
  if (!Number.isInteger(n) || n < 0) throw new BlError('INVALID_ARGUMENT', `-n must be a whole number of rows, got ${n}`, {hint: 'e.g. -n 50.'})
  const loc = await locateTable(repo, spec)
  let reader: TableReader
  try {
    reader = await openTable(loc.source, loc.path, opts)
  } catch (err) {
    // A JSON document that is not a table still previews, pretty-printed.
    if (isBlError(err) && err.code === 'NOT_A_TABLE' && (opts.format ?? (await detectFormat(loc.source, loc.path))) === 'json') return previewDocument(loc, n)
    throw err
  }
  pickColumns(reader, opts.columns) // unknown column names fail before any row is read
  const rows: Cell[][] = []
  let truncated = false
  const it = reader.rows()[Symbol.asyncIterator]()
  try {
    while (rows.length < n) {
      const next = await it.next()
      if (next.done) break
      rows.push(next.value.cells)
    }
    if (rows.length === n) {
      // Is there more? A malformed row after the ones shown still means "more follows".
      try {
        truncated = !(await it.next()).done
      } catch (err) {
        if (!isBlError(err) || err.code !== 'BAD_TABLE') throw err
        truncated = true
      }
    }
  } finally {
    await it.return?.()
  }
  // JSONL may have found more columns while reading.
  const picked = pickColumns(reader, opts.columns)
  const text = reader.format === 'csv' || reader.format === 'tsv'
  const columns = picked.map(({name, index}) => ({
    name,
    type: reader.declaredTypes?.[index] ?? rows.reduce<ColumnType>((t, r) => widen(t, typeOf(r[index] ?? null, text)), 'null'),
  }))
  return {
    kind: 'table',
    path: loc.path,
    rev: loc.rev,
    format: reader.format,
    delimiter: reader.delimiter ?? null,
    header: reader.header ?? null,
    columns,
    rows: rows.map((r) => picked.map(({index}) => r[index] ?? null)),
    totalRows: reader.rowCount ?? null,
    truncated,
  }
}

async function previewDocument(loc: TableLocation, lines: number): Promise<PreviewResult> {
  const doc = await readJsonDocument(loc.source)
  const all = JSON.stringify(doc, null, 2).split('\n')
  return {kind: 'document', path: loc.path, rev: loc.rev, format: 'json', text: all.slice(0, Math.max(lines, 1)).join('\n'), truncated: all.length > lines}
}

/** The columns asked for (all by default), with their index; unknown names fail with the list. */
function pickColumns(reader: TableReader, names: string[] | undefined): Array<{name: string; index: number}> {
  if (!names || names.length === 0) return reader.columns.map((name, index) => ({name, index}))
  return names.map((name) => {
    const index = reader.columns.indexOf(name)
    if (index < 0)
      throw new BlError('INVALID_ARGUMENT', `no column "${name}" in the table`, {hint: `Columns: ${reader.columns.slice(0, 30).join(', ')}${reader.columns.length > 30 ? ', ...' : ''}.`, data: {column: name, columns: reader.columns}})
    return {name, index}
  })
}

// ---- stats and schema --------------------------------------------------------------------------

/**
 * The cache key next to the file id: the same bytes read as another format give other stats (or
 * none: a `.json` holding JSONL is not a table). The format comes from the options, else the
 * path's extension; with neither it is detected from the bytes, which the id already fixes.
 */
function variantOf(path: string, opts: OpenOptions): string {
  return JSON.stringify([STATS_VERSION, opts.format ?? formatOfPath(path), opts.delimiter ?? null, opts.header ?? null])
}

/**
 * Statistics of one table. A committed file's are read from the cache when there, else computed
 * and cached (best effort: a busy repository only means no cache this time).
 */
export async function statsOf(repo: Repo, loc: TableLocation, opts: OpenOptions = {}): Promise<TableStats & {cached: boolean}> {
  const variant = variantOf(loc.path, opts)
  if (loc.id) {
    const hit = repo.store.getTableStats(loc.id, variant)
    if (hit) return {...(JSON.parse(hit) as TableStats), cached: true}
  }
  const stats = await computeStats(await openTable(loc.source, loc.path, opts), parallelCsvScan(loc.source))
  if (loc.id) {
    try {
      repo.store.putTableStats(loc.id, variant, JSON.stringify(stats))
    } catch (err) {
      if (!isBlError(err) || (err.code !== 'REPOSITORY_BUSY' && err.code !== 'READ_ONLY')) throw err
    }
  }
  return {...stats, cached: false}
}

/** Cached stats of the committed file `id` at `path` (schema pins, diff --stat). */
export async function statsOfBlob(repo: Repo, id: Oid, path: string, opts: OpenOptions = {}): Promise<TableStats> {
  await ensureContent(repo, [id])
  const {cached: _cached, ...stats} = await statsOf(repo, {path, rev: null, commit: null, id, source: blobSource(repo.store, id, path)}, opts)
  return stats
}

export interface SchemaResult {
  path: string
  rev: string | null
  format: TableFormat
  rows: number
  columns: ColumnSchema[]
}

export async function tableSchema(repo: Repo, spec: string, opts: OpenOptions = {}): Promise<SchemaResult> {
  const loc = await locateTable(repo, spec)
  const stats = await statsOf(repo, loc, opts)
  return {path: loc.path, rev: loc.rev, format: stats.format, rows: stats.rows, columns: schemaOf(stats)}
}

/** Is this path a table bl reads (by its name)? */
export function isTablePath(path: string): boolean {
  return formatOfPath(path) !== null
}

// ---- stats of a commit or directory --------------------------------------------------------------

export interface FormatSummary {
  /** Table format, else the file extension (lower case), else "(none)". */
  format: string
  table: boolean
  files: number
  bytes: number
}

export type StatsResult =
  | ({kind: 'table'; path: string; rev: string | null; cached: boolean} & TableStats)
  | {kind: 'tree'; rev: string; commit: Oid; path: string; files: number; bytes: number; formats: FormatSummary[]}

/** `bl stats <rev>[:<path>]` or `bl stats <work-tree file>`. */
export async function stats(repo: Repo, spec: string, opts: OpenOptions = {}): Promise<StatsResult> {
  // `:<path>` is the index version of one file (never a revision or a directory).
  if (spec.startsWith(':')) {
    const loc = await locateTable(repo, spec)
    return {kind: 'table', path: loc.path, rev: loc.rev, ...(await statsOf(repo, loc, opts))}
  }
  const colon = spec.indexOf(':')
  const isRev = colon < 0 && !fs.existsSync(absPath(repo, toRepoPath(repo, spec)))
  if (isRev) return treeSummary(repo, spec, resolveRevision(repo, spec), '')
  if (colon >= 0) {
    const rev = spec.slice(0, colon) || 'HEAD'
    // As `bl show` reads it: `./` and `../` from the current directory, else from the root.
    const path = revPathOf(repo, spec.slice(colon + 1))
    const commit = resolveRevision(repo, rev)
    if (path === '') return treeSummary(repo, rev, commit, '')
    const e = lookupPath(repo.store, loadCommit(repo.store, commit).tree, path)
    if (e?.kind === 'dir') return treeSummary(repo, rev, commit, path)
  }
  const loc = await locateTable(repo, spec)
  const st = await statsOf(repo, loc, opts)
  return {kind: 'table', path: loc.path, rev: loc.rev, ...st}
}

function treeSummary(repo: Repo, rev: string, commit: Oid, path: string): StatsResult {
  const root = loadCommit(repo.store, commit).tree
  const start = path === '' ? root : lookupPath(repo.store, root, path)?.id
  if (!start) throw new BlError('PATH_NOT_FOUND', `path '${path}' does not exist in '${rev}'`, {hint: `List the tree with \`bl ls-tree -r ${rev}\`.`, data: {rev, path}})
  const by = new Map<string, FormatSummary>()
  let files = 0
  let bytes = 0
  for (const e of walkFiles(repo, start, path)) {
    const table = formatOfPath(e.path)
    const ext = /\.([A-Za-z0-9]{1,16})$/.exec(e.path)?.[1]?.toLowerCase()
    const format = table ?? ext ?? '(none)'
    const f = by.get(format) ?? {format, table: table !== null, files: 0, bytes: 0}
    f.files++
    f.bytes += e.size
    by.set(format, f)
    files++
    bytes += e.size
  }
  const formats = [...by.values()].sort((a, b) => b.bytes - a.bytes || (a.format < b.format ? -1 : 1))
  return {kind: 'tree', rev, commit, path, files, bytes, formats}
}

function* walkFiles(repo: Repo, tree: Oid, prefix: string): Generator<{path: string; size: number}> {
  for (const e of loadTree(repo.store, tree)) {
    const p = prefix ? `${prefix}/${e.name}` : e.name
    if (e.kind === 'dir') yield* walkFiles(repo, e.id, p)
    else yield {path: p, size: e.size}
  }
}
