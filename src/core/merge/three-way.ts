/**
 * Path-level three-way merge of snapshots (flat path -> entry maps). Content is compared by file
 * id, so "the same change on both sides" and "a file moved on one side" are exact: a path deleted
 * on a side and the same id added elsewhere on that side is a rename, and the other side's edit of
 * the old path follows the file to its new place.
 *
 * Nothing is ever dropped silently: every case where the sides disagree is a Conflict carrying
 * the base, ours and theirs versions. The returned `result` is what the index and work tree hold
 * while the conflicts wait: our version of a conflicted path, or theirs when we deleted it.
 */
import {diffMaps, sameEntry} from '../diff/diff.js'
import {findRenames, renameReads} from '../diff/similarity.js'
import {EMPTY_OID, type Oid} from '../hash.js'
import type {Conflict, ConflictSide} from '../ops/operation-state.js'
import type {ObjectStore} from '../store/types.js'
import type {FlatEntry} from '../tree-build.js'
import {diffTrees, TreeReader} from '../tree-ops.js'

export type Favor = 'ours' | 'theirs'

/** The base of a file both sides added (Git merges add/add against an empty file). */
export const EMPTY_FILE: FlatEntry = {kind: 'file', id: EMPTY_OID, size: 0, exec: false}

/** A file both sides changed, merged by content: the stored result and what is left in conflict. */
export interface FileMergeResult {
  id: Oid
  size: number
  /** Stretches left in conflict, marked in the result as Git marks them. */
  conflicts: number
  /** Stretches settled by the favored side. */
  favored: number
}

export interface FileMerger {
  /** Undefined when the file cannot be merged by content (binary, too big a rewrite, content not here); `path` picks its attributes. */
  merge(path: string, base: FlatEntry, ours: FlatEntry, theirs: FlatEntry, favor?: Favor): FileMergeResult | undefined
}

export interface MergeOutcome {
  /** The result as edits of ours: path -> new entry, or null to delete it. */
  edits: Map<string, FlatEntry | null>
  /** Sorted by path. */
  conflicts: Conflict[]
  /** Conflicts settled by the favored side (-X ours|theirs). */
  favored: number
  /** Paths of files both sides changed whose contents were merged (cleanly or with markers), sorted. */
  automerged: string[]
}

interface SideState {
  /** Where the base file is on this side (its old path when it was not moved). */
  path: string
  /** What it is there; undefined when the side deleted it. */
  entry: FlatEntry | undefined
}

interface SideChanges {
  /** Base path -> its state on this side, for every base path the side changed. */
  changed: Map<string, SideState>
  /** Paths the side added (not rename targets). */
  added: Map<string, FlatEntry>
  /** Base entries of the changed paths. */
  base: Map<string, FlatEntry>
}

/** What one side changed since the base, read from the trees (unchanged subtrees are skipped). */
/** The files sideChanges reads to find renames by similarity (similarity.ts: renameReads). */
export function renameReadsOf(store: ObjectStore, base: Oid | null, side: Oid | null): Oid[] {
  const {before, after} = diffTrees(store, base, side)
  return renameReads(diffMaps(before, after, true, true))
}

function sideChanges(store: ObjectStore, base: Oid | null, side: Oid | null): SideChanges {
  const {before, after} = diffTrees(store, base, side)
  const changed = new Map<string, SideState>()
  const added = new Map<string, FlatEntry>()
  // Renames as Git's merge finds them: exact, then by similarity (a file moved and edited).
  for (const c of findRenames(store, diffMaps(before, after, true, true))) {
    if (c.status === 'A') added.set(c.path, c.new!)
    else if (c.status === 'R') changed.set(c.oldPath!, {path: c.path, entry: c.new})
    else changed.set(c.path, {path: c.path, entry: c.new})
  }
  return {changed, added, base: before}
}

function same(a: FlatEntry | undefined, b: FlatEntry | undefined): boolean {
  if (!a || !b) return a === b
  return sameEntry(a, b)
}

function side(path: string, e: FlatEntry | undefined): ConflictSide | undefined {
  return e ? {path, ...e} : undefined
}

/** The merge result: ours with edits on top. */
class ResultView {
  constructor(
    readonly ours: TreeReader,
    readonly edits: Map<string, FlatEntry | null>,
  ) {}

  get(p: string): FlatEntry | undefined {
    return this.edits.has(p) ? (this.edits.get(p) ?? undefined) : this.ours.get(p)
  }

  set(p: string, e: FlatEntry): void {
    this.editDirs = undefined
    if (same(this.ours.get(p), e)) this.edits.delete(p)
    else this.edits.set(p, e)
  }

  del(p: string): void {
    this.editDirs = undefined
    if (this.ours.get(p)) this.edits.set(p, null)
    else this.edits.delete(p)
  }

  private editDirs: Set<string> | undefined

  /** Does the result have any file below directory `p`? */
  hasUnder(p: string): boolean {
    // Directories holding an added/changed entry, recomputed only after the edits change.
    if (!this.editDirs) {
      this.editDirs = new Set()
      for (const [k, e] of this.edits) {
        if (!e) continue
        for (let i = k.lastIndexOf('/'); i > 0; i = k.lastIndexOf('/', i - 1)) {
          const d = k.slice(0, i)
          if (this.editDirs.has(d)) break
          this.editDirs.add(d)
        }
      }
    }
    if (this.editDirs.has(p)) return true
    return this.ours.isDir(p) && this.ours.filesUnder(p).some((f) => this.get(f) !== undefined)
  }
}

/**
 * `merger`, when given, merges the content of files both sides changed (content-merge.ts): a clean
 * merge settles the path, and one with conflicts leaves the marked-up result in place of ours.
 */
export function mergeTrees(store: ObjectStore, baseTree: Oid | null, oursTree: Oid | null, theirsTree: Oid | null, favor?: Favor, merger?: FileMerger): MergeOutcome {
  const co = sideChanges(store, baseTree, oursTree)
  const ct = sideChanges(store, baseTree, theirsTree)
  const result = new ResultView(new TreeReader(store, oursTree), new Map())
  const conflicts: Conflict[] = []
  let favored = 0
  const automerged: string[] = []

  const basePaths = new Set([...co.changed.keys(), ...ct.changed.keys()])
  for (const P of [...basePaths].sort()) {
    const bE = co.base.get(P) ?? ct.base.get(P)
    let o: SideState = co.changed.get(P) ?? {path: P, entry: bE}
    let t: SideState = ct.changed.get(P) ?? {path: P, entry: bE}
    // A path whose kind changed (file -> symlink) holds a new thing, not an edit of the base file,
    // as Git breaks a type change into a deletion and an addition: when the other side moved the
    // file, the new entry stays at the old path and the move meets a deletion (rename/delete).
    if (bE && t.path !== P && o.path === P && o.entry && o.entry.kind !== bE.kind) o = {path: P, entry: undefined}
    if (bE && o.path !== P && t.path === P && t.entry && t.entry.kind !== bE.kind) {
      ct.added.set(P, t.entry)
      t = {path: P, entry: undefined}
    }
    let content: FlatEntry | undefined
    let kind: Conflict['kind'] | undefined
    let byContent = false
    // Both sides' content merged with conflicts marked in it: it takes ours' place at the file's path.
    let marked: {entry: FlatEntry; markers: number} | undefined
    if (same(o.entry, t.entry)) content = o.entry
    else if (same(o.entry, bE)) content = t.entry
    else if (same(t.entry, bE)) content = o.entry
    else if (!(content = mergeModes(bE, o.entry, t.entry))) {
      kind = !o.entry ? 'deleted-by-us' : !t.entry ? 'deleted-by-them' : 'both-modified'
      const m = kind === 'both-modified' && merger && (o.path === t.path || o.path === P || t.path === P) ? merger.merge(o.path, bE!, o.entry!, t.entry!, favor) : undefined
      if (m) {
        const merged = withMergedExec({kind: 'file', id: m.id, size: m.size, exec: o.entry!.exec}, bE, o.entry, t.entry)
        favored += m.favored
        byContent = true
        if (m.conflicts === 0) {
          content = merged
          kind = undefined
        } else marked = {entry: merged, markers: m.conflicts}
      }
    }
    // One side moved the file, the other deleted it: Git's rename/delete conflict. Taking the
    // deletion would drop the file from its new place unseen.
    if (!kind && !content && ((o.entry && o.path !== P) || (t.entry && t.path !== P))) kind = o.entry ? 'deleted-by-them' : 'deleted-by-us'

    let finalPath = o.path
    if (!kind && content) {
      if (o.path === t.path || t.path === P) finalPath = o.path
      else if (o.path === P) finalPath = t.path
      else kind = 'renamed-differently'
    }
    if (marked) {
      // Where the file ends up: moved by one side, or in place.
      const at = o.path === t.path || t.path === P ? o.path : t.path
      const occupant = at !== o.path ? result.get(at) : undefined
      if (!occupant) {
        if (at !== o.path) result.del(o.path)
        result.set(at, marked.entry)
        conflicts.push({path: at, kind: 'both-modified', base: side(P, bE), ours: side(o.path, o.entry), theirs: side(t.path, t.entry), markers: marked.markers})
        automerged.push(at)
        continue
      }
    }
    if (kind) {
      if (favor) {
        favored++
        const pick = favor === 'ours' ? o : t
        if (o.entry && (!pick.entry || pick.path !== o.path)) result.del(o.path)
        // Only the contents conflict: the exec bit still merges apart from them (Git's -X settles
        // the content, and a mode changed on one side only is taken as usual).
        if (pick.entry) result.set(pick.path, kind === 'both-modified' ? withMergedExec(pick.entry, bE, o.entry, t.entry) : pick.entry)
      } else {
        conflicts.push({path: o.entry ? o.path : t.path, kind, base: side(P, bE), ours: side(o.path, o.entry), theirs: side(t.path, t.entry)})
        // Keep our version in place; when we deleted it, theirs is what the work tree shows.
        if (!o.entry && t.entry && !result.get(t.path)) result.set(t.path, t.entry)
      }
      continue
    }
    if (!content) {
      if (o.entry) result.del(o.path)
      continue
    }
    const occupant = finalPath !== o.path ? result.get(finalPath) : undefined
    if (occupant && !same(occupant, content)) {
      // Their move lands where we put another file.
      if (favor) favored++
      if (favor === 'theirs') {
        if (o.entry) result.del(o.path)
        result.set(finalPath, content)
      } else if (!favor) conflicts.push({path: finalPath, kind: 'both-added', base: side(P, bE), ours: side(finalPath, occupant), theirs: side(finalPath, content)})
      continue
    }
    if (o.entry && finalPath !== o.path) result.del(o.path)
    result.set(finalPath, content)
    if (byContent) automerged.push(finalPath)
  }

  for (const [Q, tE] of [...ct.added].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const cur = result.get(Q)
    if (!cur) result.set(Q, tE)
    else if (!same(cur, tE)) {
      // Both sides added a text file here: merged by content against an empty base, as Git does.
      const oE = co.added.get(Q)
      const m = merger && oE && same(oE, cur) && cur.kind === 'file' && tE.kind === 'file' ? merger.merge(Q, EMPTY_FILE, cur, tE, favor) : undefined
      if (m) {
        favored += m.favored
        automerged.push(Q)
        result.set(Q, {kind: 'file', id: m.id, size: m.size, exec: cur.exec})
        if (m.conflicts) conflicts.push({path: Q, kind: 'both-added', ours: side(Q, cur), theirs: side(Q, tE), markers: m.conflicts})
        continue
      }
      if (favor) favored++
      if (favor === 'theirs') result.set(Q, tE)
      else if (!favor) conflicts.push({path: Q, kind: 'both-added', ours: side(Q, cur), theirs: side(Q, tE)})
    }
  }

  favored += resolveFileDirectoryClashes(result, conflicts, favor)
  conflicts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return {edits: result.edits, conflicts, favored, automerged: automerged.sort()}
}

/**
 * A file whose content changed on one side and its exec bit on the other (or both on one side):
 * content and mode merge separately, as in Git. Undefined when the contents themselves differ.
 */
function mergeModes(b: FlatEntry | undefined, o: FlatEntry | undefined, t: FlatEntry | undefined): FlatEntry | undefined {
  if (!b || !o || !t || b.kind !== 'file' || o.kind !== 'file' || t.kind !== 'file') return undefined
  const from = o.id === t.id || t.id === b.id ? o : o.id === b.id ? t : undefined
  if (!from) return undefined
  const exec = o.exec === b.exec ? t.exec : o.exec
  return {kind: 'file', id: from.id, size: from.size, exec}
}

/** `pick` (one side's file) with the exec bit merged three-way, when base and both sides are files. */
function withMergedExec(pick: FlatEntry, b: FlatEntry | undefined, o: FlatEntry | undefined, t: FlatEntry | undefined): FlatEntry {
  if (!b || !o || !t || b.kind !== 'file' || o.kind !== 'file' || t.kind !== 'file' || pick.kind !== 'file') return pick
  return {...pick, exec: o.exec === b.exec ? t.exec : o.exec}
}

/**
 * A path that is a file on one side and a directory on the other. Without a favored side, the
 * entry their changes brought in is held back (recorded in the conflict) and ours stays.
 */
function resolveFileDirectoryClashes(result: ResultView, conflicts: Conflict[], favor?: Favor): number {
  const incoming = [...result.edits].filter(([, e]) => e !== null).map(([p]) => p)
  let favored = 0
  for (const p of incoming) {
    const e = result.get(p)
    if (!e) continue
    // (a) an ancestor of the incoming path is a file
    let blocker: string | undefined
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
      if (result.get(p.slice(0, i))) {
        blocker = p.slice(0, i)
        break
      }
    }
    // (b) the incoming file stands where the result has a directory
    const underneath = result.hasUnder(p)
    if (!blocker && !underneath) continue
    if (favor) favored++
    if (favor === 'theirs') {
      if (blocker) result.del(blocker)
      if (underneath) for (const f of result.ours.filesUnder(p)) result.del(f)
      continue
    }
    const oursEntry = blocker ? result.get(blocker) : undefined
    const ours = result.ours.get(p)
    if (ours) result.set(p, ours)
    else result.del(p)
    if (!favor) conflicts.push({path: p, kind: 'file-directory', ours: blocker ? side(blocker, oursEntry) : undefined, theirs: side(p, e)})
  }
  return favored
}
