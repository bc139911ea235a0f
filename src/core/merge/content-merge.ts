/**
 * Merging the content of a file both sides changed, at any size. Git merges a changed file by
 * reading all three versions and diffing their lines; for a 10 GB table that is 30 GB read and
 * more memory than the machine has, which is why dataset tools do not merge content at all.
 *
 * Content addressing gives the shape of each side's changes for free: the three versions share
 * most of their content-defined chunks, so a diff of their chunk ids (blob records only) says
 * which stretches each side rewrote. Stretches only one side changed are taken from it as they
 * are; only where both sides changed the same or neighbouring chunks are those few chunks read
 * and merged by lines (merge-text.ts), widened to whole lines with bytes of the unchanged chunks
 * around them. Two edits of different rows of a big CSV therefore merge by reading a chunk or
 * two, and the result is streamed into the store, chunked as `bl add` would chunk it.
 *
 * A file is merged by lines only when it is text in Git's sense (no NUL in its first 8000
 * bytes, nor in a stretch merged); images, Parquet and checkpoints still conflict as a whole.
 */
import {exactDiffRanges} from '../diff/lines.js'
import {BlError, isBlError} from '../errors.js'
import {EMPTY_OID, hashHex, type Oid} from '../hash.js'
import type {BlobRecord} from '../objects/blob.js'
import {loadBlob} from '../odb.js'
import {ensureContent, isThin} from '../ops/content.js'
import type {Repo} from '../repo.js'
import type {FlatEntry} from '../tree-build.js'
import {Ingestor} from '../worktree/ingest.js'
import {outsideSparse, readSparse} from '../worktree/sparse.js'
import type {StagedFiles} from '../worktree/staged-files.js'
import {attributesFile, mergeDrivers, type MergeDriver} from './attributes.js'
import {finerMerge, type TableHeaders} from './merge-rows.js'
import {changedRegions, CONFLICT_STYLES, looksBinary, mergeLines, type ConflictStyle, type Region} from './merge-text.js'
import {mergeTrees, renameReadsOf, type Favor, type FileMerger, type FileMergeResult, type MergeOutcome} from './three-way.js'

/**
 * A stretch both sides changed is merged by lines up to this many bytes in each version; past it
 * the file conflicts as a whole (a side that rewrote most of a big file, e.g. by sorting it).
 */
export const LINE_MERGE_BYTES = 16 << 20

export interface MergeLabels {
  ours: string
  base: string
  theirs: string
}

/** Bytes of a file version: its chunks, or part of one. */
type Piece = {rec: BlobRecord; idx: number; from: number; to: number} | Buffer

export class ContentMerger implements FileMerger {
  /** Files whose content (record or chunks) is not in this store: nothing was merged for them. */
  readonly missing = new Set<Oid>()
  private ingestor: Ingestor | undefined

  constructor(
    private readonly repo: Repo,
    private readonly opts: {
      labels: MergeLabels
      style?: ConflictStyle
      drivers?: (path: string) => MergeDriver | undefined
      /** Where each merged file is also written as it is produced, for the checkout of the result to take. */
      stage?: StagedFiles
      /** Whether the checkout of the result will write a path (not outside a sparse work tree): only those are staged. */
      stageIf?: (path: string) => boolean
    },
  ) {}

  merge(path: string, b: FlatEntry, o: FlatEntry, t: FlatEntry, favor?: Favor): FileMergeResult | undefined {
    if (b.kind !== 'file' || o.kind !== 'file' || t.kind !== 'file') return undefined
    const driver = this.opts.drivers?.(path)
    if (driver === 'binary') return undefined
    // merge=text merges by lines whatever the bytes; merge=union settles every conflict with both sides.
    const asText = driver === 'text'
    const how: Favor | 'union' | undefined = driver === 'union' ? 'union' : favor
    const recs = [b, o, t].map((e) => this.record(e.id))
    // Both checks run, so one fetch brings everything a thin store lacks.
    const chunksHere = this.chunksHere(recs, [b.id, o.id, t.id])
    if (recs.some((r) => !r) || !chunksHere) return undefined
    const [B, O, T] = recs as [BlobRecord, BlobRecord, BlobRecord]
    // A CSV/TSV row both sides edited in different cells merges cell by cell (by column name when
    // a side added or removed columns: the headers are read then), a JSONL record field by field;
    // not with merge=text (Git's lines only).
    const headers = (): TableHeaders | undefined => {
      const [hb, ho, ht] = [B, O, T].map((r) => this.firstLine(r))
      return hb !== undefined && ho !== undefined && ht !== undefined ? {base: hb, ours: ho, theirs: ht} : undefined
    }
    const finer = driver === 'text' ? undefined : finerMerge(path, headers)
    if (!asText && [B, O, T].some((r) => r.chunks.length > 0 && looksBinary(this.chunk(r, 0)))) return undefined
    const ids = (r: BlobRecord): string[] => r.chunks.map((c) => c.id)
    const bIds = ids(B)
    const oIds = ids(O)
    const tIds = ids(T)
    const pieces: Piece[] = []
    let conflicts = 0
    let favored = 0
    let at = 0
    // Where the next base chunk starts: a merged stretch before it may have taken its first line.
    let cutFrom = 0
    const take = (rec: BlobRecord, from: number, to: number): void => {
      for (let k = from; k < to; k++) pieces.push({rec, idx: k, from: 0, to: rec.chunks[k]!.len})
    }
    const dO = exactDiffRanges(bIds, oIds)
    const dT = dO && exactDiffRanges(bIds, tIds)
    if (!dO || !dT) return undefined
    for (const r of this.lineSeparated(B, changedRegions(dO, dT))) {
      for (; at < r.baseStart; at++) {
        pieces.push({rec: B, idx: at, from: cutFrom, to: B.chunks[at]!.len})
        cutFrom = 0
      }
      at = r.baseEnd
      const oSlice = oIds.slice(r.oursStart, r.oursEnd)
      const same = oSlice.length === r.theirsEnd - r.theirsStart && oSlice.every((id, k) => id === tIds[r.theirsStart + k])
      if (!r.theirs || same) {
        take(O, r.oursStart, r.oursEnd)
        continue
      }
      if (!r.ours) {
        take(T, r.theirsStart, r.theirsEnd)
        continue
      }
      // Both changed here: merge the stretch by lines, widened to whole lines with the bytes of
      // the unchanged chunks on either side (the same in all three versions).
      const prev = r.baseStart > 0 ? (pieces[pieces.length - 1] as Exclude<Piece, Buffer>) : undefined
      let head: Buffer = Buffer.alloc(0)
      if (prev) {
        const data = this.chunk(B, r.baseStart - 1)
        const nl = data.lastIndexOf(10, prev.to - 1)
        // A line longer than a chunk: the stretch would start mid-line (markers glued to a line).
        if (nl < prev.from) return undefined
        head = data.subarray(nl + 1, prev.to)
        prev.to = nl + 1
      }
      let tail: Buffer = Buffer.alloc(0)
      cutFrom = 0
      if (r.baseEnd < B.chunks.length) {
        const data = this.chunk(B, r.baseEnd)
        const nl = data.indexOf(10)
        if (nl === -1) return undefined
        tail = data.subarray(0, nl + 1)
        cutFrom = nl + 1
      }
      const window = (rec: BlobRecord, from: number, to: number): Buffer | undefined => {
        let size = head.length + tail.length
        for (let k = from; k < to; k++) size += rec.chunks[k]!.len
        if (size > LINE_MERGE_BYTES) return undefined
        const parts = [head]
        for (let k = from; k < to; k++) parts.push(this.chunk(rec, k))
        parts.push(tail)
        const buf = Buffer.concat(parts, size)
        return !asText && buf.includes(0) ? undefined : buf
      }
      const wb = window(B, r.baseStart, r.baseEnd)
      const wo = wb && window(O, r.oursStart, r.oursEnd)
      const wt = wo && window(T, r.theirsStart, r.theirsEnd)
      if (!wb || !wo || !wt) return undefined
      const m = mergeLines(wb, wo, wt, {labels: this.opts.labels, style: this.opts.style, favor: how, finer})
      if (!m) return undefined
      pieces.push(m.bytes)
      conflicts += m.conflicts
      favored += m.favored
    }
    for (; at < B.chunks.length; at++) {
      pieces.push({rec: B, idx: at, from: cutFrom, to: B.chunks[at]!.len})
      cutFrom = 0
    }
    const ing = (this.ingestor ??= new Ingestor(this.repo.store))
    const stage = this.opts.stage
    const key = stage && this.opts.stageIf?.(path) !== false ? stage.beginUnnamed() : undefined
    let res: {id: Oid; size: number}
    try {
      res = ing.addPieces(this.bytesOf(pieces, key))
    } catch (err) {
      if (key !== undefined) stage!.endAs(key, undefined)
      throw err
    }
    // The merged bytes were hashed on their way into the store: the staged copy is that file.
    if (key !== undefined) stage!.endAs(key, res.id)
    ing.finishChunks()
    // The record is written once its chunks are committed, as `bl add` does.
    this.repo.store.transaction(() => ing.flushObjects())
    return {id: res.id, size: res.size, conflicts, favored}
  }

  /**
   * Regions of chunks, joined where the unchanged bytes between one side's change and the other's
   * hold fewer than two newlines: the two changes may then touch the same or adjacent lines (a
   * chunk edit changes the whole line it falls in), which Git's line merge decides, so the joined
   * stretch is merged by lines instead of each side's chunks being taken whole.
   */
  private lineSeparated(B: BlobRecord, regions: Region[]): Region[] {
    const out: Region[] = []
    for (const r of regions) {
      const prev = out[out.length - 1]
      if (prev && (prev.ours || r.ours) && (prev.theirs || r.theirs) && this.newlines(B, prev.baseEnd, r.baseStart, 2) < 2) {
        out[out.length - 1] = {baseStart: prev.baseStart, baseEnd: r.baseEnd, oursStart: prev.oursStart, oursEnd: r.oursEnd, theirsStart: prev.theirsStart, theirsEnd: r.theirsEnd, ours: true, theirs: true}
      } else out.push(r)
    }
    return out
  }

  /** Newlines in base chunks [from, to), counted up to `enough`. */
  private newlines(B: BlobRecord, from: number, to: number, enough: number): number {
    let n = 0
    for (let k = from; k < to && n < enough; k++) {
      const data = this.chunk(B, k)
      for (let at = data.indexOf(10); at !== -1 && n < enough; at = data.indexOf(10, at + 1)) n++
    }
    return n
  }

  /** A version's first line (a table's header), or undefined when it runs on past the first chunk. */
  private firstLine(rec: BlobRecord): string | undefined {
    if (rec.chunks.length === 0) return ''
    const data = this.chunk(rec, 0)
    const nl = data.indexOf(10)
    if (nl === -1) return rec.chunks.length === 1 ? data.toString('latin1') : undefined
    return data.toString('latin1', 0, nl + 1)
  }

  /** The blob record, or undefined (and noted missing) when it is not here. */
  private record(id: Oid): BlobRecord | undefined {
    const store = this.repo.store
    if (id !== EMPTY_OID && !store.hasObject(id)) {
      this.missing.add(id)
      return undefined
    }
    return loadBlob(store, id)
  }

  /**
   * Whether every chunk of the three versions is here; if not, the versions lacking some are noted
   * missing. The versions share most chunks: each distinct one is looked up once.
   */
  private chunksHere(recs: Array<BlobRecord | undefined>, ids: Oid[]): boolean {
    const store = this.repo.store
    const known = new Map<string, boolean>()
    let all = true
    recs.forEach((rec, k) => {
      for (const c of rec?.chunks ?? []) {
        let here = known.get(c.id)
        if (here === undefined) known.set(c.id, (here = store.hasChunk(c.id as Oid)))
        if (!here) {
          this.missing.add(ids[k]!)
          all = false
          break
        }
      }
    })
    return all
  }

  /** A chunk's bytes, checked against its id (a merge must not spread a damaged chunk). */
  private chunk(rec: BlobRecord, idx: number): Buffer {
    const c = rec.chunks[idx]!
    const data = this.repo.store.getChunk(c.id as Oid)
    if (!data) throw new BlError('MISSING_OBJECT', `chunk ${c.id} is missing`, {hint: 'Run `bl fsck`.', data: {chunk: c.id}})
    if (data.length !== c.len || hashHex(data) !== c.id) throw new BlError('CORRUPT_OBJECT', `chunk ${c.id} is corrupted`, {hint: 'Run `bl fsck`.', data: {chunk: c.id}})
    return data
  }

  /** The merged file's bytes in order, each also written to the stage under `key` when given. */
  private *bytesOf(pieces: Piece[], key: string | undefined): Generator<Uint8Array> {
    for (const p of pieces) {
      const bytes = Buffer.isBuffer(p) ? p : p.to > p.from ? this.chunk(p.rec, p.idx).subarray(p.from, p.to) : undefined
      if (!bytes) continue
      if (key !== undefined) this.opts.stage!.write(key, bytes)
      yield bytes
    }
  }
}

/** Git's merge.conflictStyle (merge, diff3 or zdiff3). */
export function conflictStyle(repo: Repo): ConflictStyle {
  // Git's keys are case-insensitive; bl's are not, so both spellings people use are read.
  const v = repo.config('merge.conflictStyle') ?? repo.config('merge.conflictstyle') ?? 'merge'
  if (!(CONFLICT_STYLES as readonly string[]).includes(v))
    throw new BlError('BAD_CONFIG', `merge.conflictStyle is "${v}"; expected one of ${CONFLICT_STYLES.join(', ')}`, {hint: 'Fix it with `bl config merge.conflictStyle merge`.'})
  return v as ConflictStyle
}

/**
 * The merger for files both sides changed, or undefined when `merge.content` is false: then they
 * conflict as a whole, as they did before bl merged content (for users who want every table
 * both sides edited looked at, not merged by lines).
 */
function contentMerger(repo: Repo, oursTree: Oid | null, labels: MergeLabels, style: ConflictStyle, stage: StagedFiles | undefined): ContentMerger | undefined {
  if (!(repo.configBool('merge.content') ?? true)) return undefined
  // The merged files are stored before any tree names them: gc must not take them meanwhile.
  repo.holdLease('merge')
  repo.prepareBulkWrites()
  const sparse = stage ? readSparse(repo) : null
  return new ContentMerger(repo, {labels, style, drivers: mergeDrivers(repo.store, oursTree), stage, stageIf: (p) => !outsideSparse(sparse, p)})
}

/** Fetches our side's `.blattributes` into a thin store, so the merge can read it. */
async function fetchAttributes(repo: Repo, oursTree: Oid | null): Promise<void> {
  const id = attributesFile(repo.store, oursTree)
  if (id) await ensureContent(repo, [id])
}

/**
 * Fetches into a thin store the files each side's rename detection compares by lines, so a file
 * moved and edited pairs as it does in a full clone: the merge's result must not depend on which
 * content happens to be local. Offline, the merge goes on with what is here.
 */
async function fetchRenameReads(repo: Repo, base: Oid | null, ours: Oid | null, theirs: Oid | null): Promise<void> {
  if (!isThin(repo)) return
  const ids = new Set([...renameReadsOf(repo.store, base, ours), ...renameReadsOf(repo.store, base, theirs)])
  try {
    await ensureContent(repo, ids)
  } catch (err) {
    if (!(isBlError(err) && FETCH_FAILURES.has(err.code))) throw err
  }
}

/** Why content a thin store lacks could not be fetched (ops/content.ts): then it is not merged. */
const FETCH_FAILURES = new Set(['REMOTE_ERROR', 'MISSING_OBJECT'])

/**
 * mergeTrees with files both sides changed merged by content. Content a thin local store lacks is
 * fetched (as a checkout of the result would need it anyway), then the merge runs again. With
 * `stage`, the merged files are also written there as they are produced: the checkout of the
 * result renames them into place instead of reading them back from the store (a merged 512 MiB
 * table is then read and written once, not twice).
 */
export async function mergeTreesWithContent(repo: Repo, base: Oid | null, ours: Oid | null, theirs: Oid | null, opts: {favor?: Favor; labels: MergeLabels; stage?: StagedFiles}): Promise<MergeOutcome> {
  const style = conflictStyle(repo)
  await fetchAttributes(repo, ours)
  await fetchRenameReads(repo, base, ours, theirs)
  const merger = contentMerger(repo, ours, opts.labels, style, opts.stage)
  const out = mergeTrees(repo.store, base, ours, theirs, opts.favor, merger)
  if (!merger || merger.missing.size === 0) return out
  try {
    await ensureContent(repo, merger.missing)
  } catch (err) {
    // No remote to fetch from (offline): those files conflict as a whole, as before content merging.
    if (isBlError(err) && FETCH_FAILURES.has(err.code)) return out
    throw err
  }
  return mergeTrees(repo.store, base, ours, theirs, opts.favor, contentMerger(repo, ours, opts.labels, style, opts.stage))
}

/**
 * One file merged by content as mergeTreesWithContent merges it (attributes from `oursTree`,
 * content a thin store lacks fetched first: a failed fetch fails the call), for re-creating a
 * conflict (`bl checkout -m`). Undefined when it is not merged by lines (binary, a stretch too
 * big, merge.content false): the merge then kept ours in place.
 */
export async function mergeFileWithContent(repo: Repo, oursTree: Oid | null, path: string, versions: {base: FlatEntry; ours: FlatEntry; theirs: FlatEntry}, opts: {labels: MergeLabels; style: ConflictStyle}): Promise<FileMergeResult | undefined> {
  await fetchAttributes(repo, oursTree)
  const run = (): {merger: ContentMerger | undefined; res: FileMergeResult | undefined} => {
    const merger = contentMerger(repo, oursTree, opts.labels, opts.style, undefined)
    return {merger, res: merger?.merge(path, versions.base, versions.ours, versions.theirs)}
  }
  const first = run()
  if (!first.merger || first.merger.missing.size === 0) return first.res
  await ensureContent(repo, first.merger.missing)
  return run().res
}

