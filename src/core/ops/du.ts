/**
 * bl du: how big a version of the dataset is, per directory, both as files (what a checkout
 * writes) and as stored content (distinct chunks: what the store and a remote hold for it). For a
 * range `a..b`, the stored bytes count only chunks `a` does not have: what version b costs on top
 * of a, the question a dataset's owner asks before pushing or keeping a version, and which Git,
 * Git LFS and DVC cannot answer at chunk level.
 *
 * Only blob records are read (sizes and chunk lists), never file content; a file whose record is
 * not in a thin local store (lazy clone) makes its directory's stored size unknown (null).
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadBlob, loadCommit} from '../odb.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {flattenTree, type FlatEntry} from '../tree-build.js'
import {toRepoPath, underAny} from '../worktree/paths.js'

export interface DuOptions {
  /** A revision (default HEAD) or a range `a..b` (b's sizes, stored bytes new since a). */
  rev?: string
  /** Only these paths (relative to the current directory); depth counts from each. */
  paths?: string[]
  /** How many path components below each path a row keeps (default 1). */
  depth?: number
}

export interface DuRow {
  /** A directory (ending in `/`) or a file at the depth asked for. */
  path: string
  files: number
  /** The files' sizes added up: what a checkout writes. */
  bytes: number
  /** Bytes of the distinct chunks under it (new since the range's start, for a range); null when a record is not here. */
  stored: number | null
}

export interface DuResult {
  rev: string
  commit: Oid
  /** The range's start, or null. */
  since: Oid | null
  rows: DuRow[]
  /** Every file counted once and every chunk once across the rows. */
  total: DuRow
}

type Chunks = Map<string, number> | null

/** A file's chunks (id -> length), or null when its record is missing here. */
function chunksOf(repo: Repo, e: FlatEntry): Chunks {
  if (e.kind !== 'file') return new Map()
  if (e.size > 0 && !repo.store.hasObject(e.id)) return null
  return new Map(loadBlob(repo.store, e.id).chunks.map((c) => [c.id, c.len]))
}

/** Accumulates one row: files, bytes and distinct chunks not in `known`. */
class Tally {
  files = 0
  bytes = 0
  private readonly chunks = new Map<string, number>()
  private unknown = false

  add(e: FlatEntry, chunks: Chunks, known: Set<string>): void {
    this.files++
    this.bytes += e.size
    if (chunks === null) this.unknown = true
    else for (const [id, len] of chunks) if (!known.has(id)) this.chunks.set(id, len)
  }

  row(path: string): DuRow {
    let stored = 0
    for (const len of this.chunks.values()) stored += len
    return {path, files: this.files, bytes: this.bytes, stored: this.unknown ? null : stored}
  }
}

export function du(repo: Repo, opts: DuOptions = {}): DuResult {
  const depth = opts.depth ?? 1
  if (!Number.isSafeInteger(depth) || depth < 0) throw new BlError('INVALID_ARGUMENT', `--max-depth must be 0 or more, got ${depth}`, {hint: 'e.g. -d 2 (0: one total row per path).'})
  const rev = opts.rev ?? 'HEAD'
  const dots = rev.indexOf('..')
  if (rev.includes('...')) throw new BlError('INVALID_ARGUMENT', `du takes a revision or a range a..b, not ${JSON.stringify(rev)}`, {hint: 'bl du v1..v2: the sizes of v2 and what it stores on top of v1.'})
  const commit = resolveRevision(repo, dots >= 0 ? rev.slice(dots + 2) || 'HEAD' : rev)
  const since = dots >= 0 ? resolveRevision(repo, rev.slice(0, dots) || 'HEAD') : null
  return repo.store.snapshot(() => {
    const known = new Set<string>()
    // A record of the range's start not here (lazy clone): what b adds on top of it cannot be told.
    let sinceUnknown = false
    if (since)
      for (const e of flattenTree(repo.store, loadCommit(repo.store, since).tree).values()) {
        const chunks = chunksOf(repo, e)
        if (chunks === null) sinceUnknown = true
        else for (const id of chunks.keys()) known.add(id)
      }
    const roots = (opts.paths ?? []).map((p) => toRepoPath(repo, p))
    const bases = roots.length ? roots : ['']
    const rows = new Map<string, Tally>()
    const total = new Tally()
    let matched = 0
    for (const [p, e] of flattenTree(repo.store, loadCommit(repo.store, commit).tree)) {
      if (roots.length && !underAny(p, roots)) continue
      matched++
      const chunks = chunksOf(repo, e)
      total.add(e, chunks, known)
      // The row: the deepest root holding the file, then up to `depth` more components.
      const root = bases.filter((b) => b === '' || p === b || p.startsWith(`${b}/`)).sort((x, y) => y.length - x.length)[0]!
      const rest = (root === '' ? p : p.slice(root.length + 1)).split('/').filter((c) => c !== '')
      const kept = rest.slice(0, depth)
      const parts = [...(root ? [root] : []), ...kept]
      const key = parts.length ? parts.join('/') + (kept.length < rest.length ? '/' : '') : './'
      ;(rows.get(key) ?? rows.set(key, new Tally()).get(key)!).add(e, chunks, known)
    }
    if (roots.length && matched === 0)
      throw new BlError('PATHSPEC_NO_MATCH', `no file of ${rev} is under ${roots.map((r) => JSON.stringify(r)).join(', ')}`, {hint: `List the tree with \`bl ls-tree -r ${rev}\`.`, data: {paths: roots}})
    const unknown = (r: DuRow): DuRow => (sinceUnknown ? {...r, stored: null} : r)
    const out = [...rows].map(([k, t]) => unknown(t.row(k))).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    return {rev, commit, since, rows: out, total: unknown(total.row(''))}
  })
}
