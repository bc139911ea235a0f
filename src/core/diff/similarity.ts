/**
 * How much of one file's content another holds, for following a file across a rename that also
 * changed it (`log --follow`, `blame`), as Git's rename detection scores pairs. Content
 * addressing makes the big case cheap: two versions of a large file share most of their chunks
 * (content-defined, so an edit disturbs about one), and the blob records alone tell how many
 * bytes they share, without reading a byte of data. Small files, often one chunk each, are
 * compared by their lines instead, as Git does.
 */
import {isBlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadBlob, readFileBytes} from '../odb.js'
import type {ObjectStore} from '../store/types.js'
import {lookupPath, type FlatEntry} from '../tree-build.js'
import {diffTrees} from '../tree-ops.js'

/** Git's default rename threshold: at least half of the larger file is shared. */
export const RENAME_THRESHOLD = 0.5

/** At or below this size both files are read and compared by lines; above, by their chunks. */
const LINE_COMPARE_BYTES = 4 << 20

/** Git's span for line comparison: a line, cut every 64 bytes so binary data still matches in pieces. */
const SPAN = 64

/**
 * The share (0..1) of the larger file's bytes that the other holds, or undefined when that
 * cannot be told here (content not in a thin local store).
 */
export function similarity(store: ObjectStore, a: FlatEntry, b: FlatEntry): number | undefined {
  if (a.id === b.id) return 1
  const larger = Math.max(a.size, b.size)
  if (larger === 0) return 1
  try {
    const shared = Math.max(a.size, b.size) <= LINE_COMPARE_BYTES ? sharedSpanBytes(store, a.id, b.id) : sharedChunkBytes(store, a.id, b.id)
    return shared / larger
  } catch (err) {
    // Evicted or never fetched (lazy clone): no guess, and no download just to follow a name.
    if (isBlError(err) && err.code === 'MISSING_OBJECT') return undefined
    throw err
  }
}

function sharedChunkBytes(store: ObjectStore, a: Oid, b: Oid): number {
  const left = new Map<string, number>()
  for (const c of loadBlob(store, a).chunks) left.set(c.id, (left.get(c.id) ?? 0) + 1)
  let shared = 0
  for (const c of loadBlob(store, b).chunks) {
    const n = left.get(c.id)
    if (!n) continue
    shared += c.len
    left.set(c.id, n - 1)
  }
  return shared
}

function spans(data: Buffer): Map<string, number> {
  const m = new Map<string, number>()
  let start = 0
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 0x0a && i - start + 1 < SPAN && i !== data.length - 1) continue
    const k = data.toString('latin1', start, i + 1)
    m.set(k, (m.get(k) ?? 0) + 1)
    start = i + 1
  }
  return m
}

function sharedSpanBytes(store: ObjectStore, a: Oid, b: Oid): number {
  const left = spans(readFileBytes(store, a))
  let shared = 0
  for (const [k, n] of spans(readFileBytes(store, b))) shared += Math.min(n, left.get(k) ?? 0) * k.length
  return shared
}

export interface RenameSource {
  path: string
  /** 1 for an exact rename. */
  score: number
}

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1)

/**
 * Where `path` came from when the change from `parentTree` to `tree` added it: a file the change
 * deleted with the same content (exact rename) or, failing that, the deleted file most similar to
 * it, if at least `threshold` similar. Ties go to the same file name, then to path order.
 * Undefined when `path` was not added (it exists in the parent) or has no such source.
 */
export function renameSource(store: ObjectStore, parentTree: Oid | null, tree: Oid, path: string, threshold = RENAME_THRESHOLD): RenameSource | undefined {
  const {before, after} = diffTrees(store, parentTree, tree)
  const target = after.get(path)
  if (!target || target.kind !== 'file' || before.has(path)) return undefined
  const deleted = [...before].filter(([p, e]) => e.kind === 'file' && !after.has(p)).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
  const name = baseName(path)
  const better = (p: string, score: number, best: RenameSource | undefined): boolean =>
    !best || score > best.score || (score === best.score && baseName(p) === name && baseName(best.path) !== name)
  let best: RenameSource | undefined
  for (const [p, e] of deleted) if (e.id === target.id && better(p, 1, best)) best = {path: p, score: 1}
  if (best) return best
  for (const [p, e] of deleted) {
    // Shared bytes are at most the smaller size: too different in size cannot reach the threshold.
    if (Math.min(e.size, target.size) < threshold * Math.max(e.size, target.size)) continue
    const score = similarity(store, e, target)
    if (score !== undefined && score >= threshold && better(p, score, best)) best = {path: p, score}
  }
  return best
}

/** The name a file at `path` in `tree` had in `parentTree`: the same, the rename's source, or undefined (new there). */
export function nameInParent(store: ObjectStore, parentTree: Oid, tree: Oid, path: string): string | undefined {
  return lookupPath(store, parentTree, path) ? path : renameSource(store, parentTree, tree, path)?.path
}
