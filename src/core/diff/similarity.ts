/**
 * Renames that changed the file: Git's inexact rename detection, made cheap for datasets. A pair
 * scores the share of the larger file's bytes the other holds; at or above the threshold (Git's
 * 50% by default) a deleted and an added file are one renamed file.
 *
 * Content addressing does most of the work. Two versions of a large file share most of their
 * content-defined chunks (an edit disturbs about one), and the blob records alone tell how many
 * bytes they share: a renamed 10 GB table with a row changed scores without a byte read. Small
 * files, often a single chunk, are compared by their lines instead, cut into 64-byte pieces as
 * Git does. Each file's fingerprint is computed once; a pair then costs a merge of two sorted
 * arrays. Content not in a thin local store is not fetched for this: such a file pairs with none
 * (a merge fetches it first: renameReads).
 */
import {diffMaps, type Change} from './diff.js'
import {isBlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {loadBlob, readFileBytes} from '../odb.js'
import type {ObjectStore} from '../store/types.js'
import {lookupPath, type FlatEntry} from '../tree-build.js'
import {diffTrees} from '../tree-ops.js'

/** Git's default rename threshold: at least half of the larger file is shared. */
export const RENAME_THRESHOLD = 0.5

/** Git's diff.renameLimit: past this many deleted x added files (squared), only exact renames are found. */
export const RENAME_LIMIT = 1000

/**
 * At or below this size a pair is compared by lines (read), as Git does; above, by chunks (blob
 * records only). Chunks score a few edits as Git would, but edits scattered through a big file
 * disturb many of its ~256 KiB chunks and score it lower than Git's lines would.
 */
const LINE_COMPARE_BYTES = 8 << 20

/** Fingerprints kept for reuse at most (bytes); past it the cache starts over. */
const PRINT_CACHE_BYTES = 256 << 20

/**
 * Past this many fingerprint keys compared in all (a pair costs the keys of both files), only
 * exact renames are paired: ~1-2 s here. Git bounds the pairs (renameLimit) and then takes as long
 * as they take; a `bl status` after moving a thousand edited CSVs should not take minutes.
 */
const RENAME_WORK = 4e8

/** About how many keys a file's fingerprint has: lines of ~24 bytes, or chunks of at least 64 KiB. */
const keysOf = (e: FlatEntry): number => (e.size <= LINE_COMPARE_BYTES ? e.size / 24 : e.size / 65536)

/** Git's span for line comparison: a line, cut every 64 bytes so binary data still matches in pieces. */
const SPAN = 64

export interface RenameOptions {
  /** 0..1; 1 finds exact renames only. Default RENAME_THRESHOLD. */
  threshold?: number
  /** Default RENAME_LIMIT. */
  limit?: number
}

/** A file's content as sorted keys (span hashes or chunk ids' first 32 bits), each with the bytes behind it. */
interface Print {
  keys: Uint32Array
  bytes: Float64Array
}

function toPrint(m: Map<number, number>): Print {
  const keys = Uint32Array.from(m.keys()).sort()
  return {keys, bytes: Float64Array.from(keys, (k) => m.get(k)!)}
}

function sharedBytes(a: Print, b: Print): number {
  let shared = 0
  for (let i = 0, j = 0; i < a.keys.length && j < b.keys.length; ) {
    if (a.keys[i]! < b.keys[j]!) i++
    else if (a.keys[i]! > b.keys[j]!) j++
    else shared += Math.min(a.bytes[i++]!, b.bytes[j++]!)
  }
  return shared
}

/** Fingerprints of files' contents, each computed once (null: the content is not here). */
class Prints {
  private readonly cache = new Map<string, Print | null>()
  private cached = 0

  constructor(private readonly store: ObjectStore) {}

  /**
   * The share (0..1) of the larger file's bytes that the other holds; undefined when that cannot
   * be told here. Below 1 for different files (Git's 100 means the same content).
   */
  score(a: FlatEntry, b: FlatEntry): number | undefined {
    if (a.id === b.id) return 1
    const larger = Math.max(a.size, b.size)
    const byLines = larger <= LINE_COMPARE_BYTES
    const pa = this.print(a.id, byLines)
    const pb = pa && this.print(b.id, byLines)
    // The same lines in another order share every byte: still not the same file.
    return pa && pb ? Math.min(0.99, sharedBytes(pa, pb) / larger) : undefined
  }

  private print(id: Oid, byLines: boolean): Print | null {
    const key = `${byLines ? 'L' : 'C'}${id}`
    let p = this.cache.get(key)
    if (p !== undefined) return p
    try {
      p = byLines ? spanPrint(readFileBytes(this.store, id)) : chunkPrint(this.store, id)
    } catch (err) {
      // Evicted or never fetched (lazy clone): no guess, and no download just to pair names.
      if (!(isBlError(err) && err.code === 'MISSING_OBJECT')) throw err
      p = null
    }
    const size = p ? p.keys.length * 12 : 0
    if (this.cached + size > PRINT_CACHE_BYTES) {
      this.cache.clear()
      this.cached = 0
    }
    this.cache.set(key, p)
    this.cached += size
    return p
  }
}

function chunkPrint(store: ObjectStore, id: Oid): Print {
  const m = new Map<number, number>()
  for (const c of loadBlob(store, id).chunks) {
    const k = Number.parseInt(c.id.slice(0, 8), 16)
    m.set(k, (m.get(k) ?? 0) + c.len)
  }
  return toPrint(m)
}

function spanPrint(data: Buffer): Print {
  // Each span as one number, hash * 128 + length (exact in a double), sorted, then equal hashes
  // summed: several times faster than a Map on files of 100,000 lines.
  let count = 0
  for (let i = 0, start = 0; i < data.length; i++) {
    if (data[i] !== 0x0a && i - start + 1 < SPAN && i !== data.length - 1) continue
    count++
    start = i + 1
  }
  const spans = new Float64Array(count)
  let n = 0
  let h = 0x811c9dc5
  let start = 0
  for (let i = 0; i < data.length; i++) {
    h = Math.imul(h ^ data[i]!, 0x01000193) // FNV-1a
    if (data[i] !== 0x0a && i - start + 1 < SPAN && i !== data.length - 1) continue
    spans[n++] = (h >>> 0) * 128 + (i + 1 - start)
    h = 0x811c9dc5
    start = i + 1
  }
  const sorted = spans.subarray(0, n).sort()
  const keys = new Uint32Array(n)
  const bytes = new Float64Array(n)
  let m = 0
  for (let i = 0; i < n; i++) {
    const k = Math.floor(sorted[i]! / 128)
    const len = sorted[i]! - k * 128
    if (m > 0 && keys[m - 1] === k) bytes[m - 1]! += len
    else {
      keys[m] = k
      bytes[m++] = len
    }
  }
  return {keys: keys.slice(0, m), bytes: bytes.slice(0, m)}
}

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1)

interface Pair {
  from: string
  to: string
  score: number
}

/**
 * The renames among `sources` (deleted) and `targets` (added) scoring at least `threshold`, best
 * first, each file in at most one: as Git, higher scores win, then a pair keeping the file name,
 * then path order. None when scoring them all would be too much work (RENAME_WORK).
 */
function similarPairs(prints: Prints, sources: Array<[string, FlatEntry]>, targets: Array<[string, FlatEntry]>, threshold: number): Pair[] {
  const pairs: Pair[] = []
  const fits = (s: FlatEntry, t: FlatEntry): boolean => Math.min(s.size, t.size) >= threshold * Math.max(s.size, t.size)
  let work = 0
  for (const [, t] of targets) for (const [, s] of sources) if (fits(s, t)) work += keysOf(s) + keysOf(t)
  if (work > RENAME_WORK) return pairs
  for (const [to, t] of targets)
    for (const [from, s] of sources) {
      // Shared bytes are at most the smaller size: too different in size cannot reach the threshold.
      if (!fits(s, t)) continue
      const score = prints.score(s, t)
      if (score !== undefined && score >= threshold) pairs.push({from, to, score})
    }
  const sameName = (p: Pair): number => (baseName(p.from) === baseName(p.to) ? 0 : 1)
  pairs.sort((x, y) => y.score - x.score || sameName(x) - sameName(y) || (x.to < y.to ? -1 : x.to > y.to ? 1 : x.from < y.from ? -1 : x.from > y.from ? 1 : 0))
  const used = new Set<string>()
  return pairs.filter((p) => (used.has(`-${p.from}`) || used.has(`+${p.to}`) ? false : (used.add(`-${p.from}`), used.add(`+${p.to}`), true)))
}

/** The files of `list` by file name, only names that no other file in it has. */
function uniqueByName(list: Array<[string, FlatEntry]>): Map<string, [string, FlatEntry]> {
  const by = new Map<string, [string, FlatEntry] | null>()
  for (const x of list) by.set(baseName(x[0]), by.has(baseName(x[0])) ? null : x)
  return new Map([...by].filter((kv): kv is [string, [string, FlatEntry]] => kv[1] !== null))
}

/**
 * Pairs a source and a target whose file name no other source or target has, when they score at
 * least Git's bar for this step: halfway from the threshold to 100% (75% by default), so a
 * namesake wins only when it is clearly the same file.
 */
function sameNamePairs(prints: Prints, sources: Array<[string, FlatEntry]>, targets: Array<[string, FlatEntry]>, threshold: number): Pair[] {
  const bar = threshold + (1 - threshold) / 2
  const from = uniqueByName(sources)
  const pairs: Pair[] = []
  for (const [name, [to, t]] of uniqueByName(targets)) {
    const s = from.get(name)
    if (!s) continue
    if (!(Math.min(s[1].size, t.size) >= bar * Math.max(s[1].size, t.size))) continue
    const score = prints.score(s[1], t)
    if (score !== undefined && score >= bar) pairs.push({from: s[0], to, score})
  }
  return pairs
}

const renamable = (e: FlatEntry | undefined): e is FlatEntry => e !== undefined && e.kind === 'file' && e.size > 0

/** Git's similarity index of a rename: the score as a whole percentage, rounded down (an exact rename is 100). */
const percent = (score: number): number => Math.floor(score * 100)

/**
 * `changes` (from diffMaps, exact renames paired) with the remaining deleted and added files paired
 * by similarity: each pair becomes one `R` change with its `score`, sorted by path as before.
 * Empty files and symlinks never pair (Git's rule). Past `limit` the changes are returned as they are.
 */
export function findRenames(store: ObjectStore, changes: Change[], opts: RenameOptions = {}): Change[] {
  const threshold = opts.threshold ?? RENAME_THRESHOLD
  const limit = opts.limit ?? RENAME_LIMIT
  const deleted = changes.filter((c) => c.status === 'D' && renamable(c.old))
  const added = changes.filter((c) => c.status === 'A' && renamable(c.new))
  if (threshold >= 1 || !deleted.length || !added.length || deleted.length * added.length > limit * limit) return changes
  const prints = new Prints(store)
  const sources = deleted.map((c): [string, FlatEntry] => [c.path, c.old!])
  const targets = added.map((c): [string, FlatEntry] => [c.path, c.new!])
  // Git's basename-guided step first: a moved directory's files keep their names, so each pairs
  // with its namesake in one scoring instead of a row of the whole matrix.
  const pairs = sameNamePairs(prints, sources, targets, threshold)
  const paired = new Set(pairs.flatMap((p) => [`-${p.from}`, `+${p.to}`]))
  pairs.push(...similarPairs(prints, sources.filter(([p]) => !paired.has(`-${p}`)), targets.filter(([p]) => !paired.has(`+${p}`)), threshold))
  if (!pairs.length) return changes
  const gone = new Set(pairs.map((p) => p.from))
  const to = new Map(pairs.map((p) => [p.to, p]))
  const oldOf = new Map(deleted.map((c) => [c.path, c.old!]))
  return changes.flatMap((c): Change[] => {
    if (c.status === 'D' && gone.has(c.path)) return []
    const p = c.status === 'A' ? to.get(c.path) : undefined
    return p ? [{status: 'R', path: c.path, oldPath: p.from, old: oldOf.get(p.from), new: c.new, score: percent(p.score)}] : [c]
  })
}

/**
 * The files whose bytes findRenames would read to pair `changes` (the deleted and added files of a
 * pair compared by lines): what a thin store must fetch first when the pairing must not depend on
 * what happens to be local, as in a merge (Git's partial clone prefetches them the same way).
 * A superset where the namesake step would have paired a file first. Empty when findRenames
 * would not score (one side empty, past the rename limit or past RENAME_WORK).
 */
export function renameReads(changes: Change[], opts: RenameOptions = {}): Oid[] {
  const threshold = opts.threshold ?? RENAME_THRESHOLD
  const limit = opts.limit ?? RENAME_LIMIT
  const sources = changes.filter((c) => c.status === 'D' && renamable(c.old)).map((c): [string, FlatEntry] => [c.path, c.old!])
  const targets = changes.filter((c) => c.status === 'A' && renamable(c.new)).map((c): [string, FlatEntry] => [c.path, c.new!])
  if (threshold >= 1 || !sources.length || !targets.length || sources.length * targets.length > limit * limit) return []
  const reads = new Set<Oid>()
  const read = (s: FlatEntry, t: FlatEntry): void => {
    if (s.id !== t.id && Math.max(s.size, t.size) <= LINE_COMPARE_BYTES) reads.add(s.id).add(t.id)
  }
  // The namesake step scores without a cap (sameNamePairs): its pairs are always read.
  const from = uniqueByName(sources)
  const namesakes = new Set<string>()
  for (const [name, t] of uniqueByName(targets)) {
    const s = from.get(name)
    if (!s) continue
    read(s[1], t[1])
    namesakes.add(s[0]).add(t[0])
  }
  // The rest as similarPairs scores them, unless that is past RENAME_WORK, with or without the
  // namesakes (which pair or not only once read).
  const fits = (s: FlatEntry, t: FlatEntry): boolean => Math.min(s.size, t.size) >= threshold * Math.max(s.size, t.size)
  const workOf = (ss: Array<[string, FlatEntry]>, ts: Array<[string, FlatEntry]>): number => {
    let work = 0
    for (const [, t] of ts) for (const [, s] of ss) if (fits(s, t)) work += keysOf(s) + keysOf(t)
    return work
  }
  const rest = (list: Array<[string, FlatEntry]>) => list.filter(([p]) => !namesakes.has(p))
  if (workOf(rest(sources), rest(targets)) <= RENAME_WORK) {
    const ss = workOf(sources, targets) <= RENAME_WORK ? sources : rest(sources)
    const ts = ss === sources ? targets : rest(targets)
    for (const [, t] of ts) for (const [, s] of ss) if (fits(s, t)) read(s, t)
  }
  return [...reads]
}

/** diffMaps with the rename detection asked for: none (not even exact), or exact and then by similarity. */
export function renamedChanges(store: ObjectStore, before: Map<string, FlatEntry>, after: Map<string, FlatEntry>, renames: RenameOptions | false = {}): Change[] {
  return renames === false ? diffMaps(before, after, false) : findRenames(store, diffMaps(before, after), renames)
}

export interface RenameSource {
  path: string
  /** 0..1; 1 for an exact rename. */
  score: number
}

/**
 * Where `path` came from when the change from `parentTree` to `tree` added it: the rename that
 * `findRenames` pairs it with for that change (exact, or by similarity at `threshold`), so `log
 * --follow`, `blame` and `--name-status` agree. Undefined when `path` was not added (it exists in
 * the parent) or has no source.
 */
export function renameSource(store: ObjectStore, parentTree: Oid | null, tree: Oid, path: string, threshold = RENAME_THRESHOLD): RenameSource | undefined {
  if (parentTree !== null && lookupPath(store, parentTree, path)) return undefined
  const {before, after} = diffTrees(store, parentTree, tree)
  const target = after.get(path)
  if (!target || target.kind !== 'file') return undefined
  const c = findRenames(store, diffMaps(before, after), {threshold}).find((x) => x.path === path)
  return c?.status === 'R' && c.oldPath !== undefined ? {path: c.oldPath, score: (c.score ?? 100) / 100} : undefined
}

/** The name a file at `path` in `tree` had in `parentTree`: the same, the rename's source, or undefined (new there). */
export function nameInParent(store: ObjectStore, parentTree: Oid, tree: Oid, path: string): string | undefined {
  return lookupPath(store, parentTree, path) ? path : renameSource(store, parentTree, tree, path)?.path
}
