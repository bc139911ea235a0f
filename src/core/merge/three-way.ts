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
import type {Conflict, ConflictSide} from '../ops/operation-state.js'
import type {FlatEntry} from '../tree-build.js'

export type Favor = 'ours' | 'theirs'

export interface MergeOutcome {
  result: Map<string, FlatEntry>
  /** Sorted by path. */
  conflicts: Conflict[]
  /** Paths whose result differs from ours (what the work tree must change). */
  changed: Set<string>
  /** Conflicts settled by the favored side (-X ours|theirs). */
  favored: number
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
}

function sideChanges(base: Map<string, FlatEntry>, side: Map<string, FlatEntry>): SideChanges {
  const changed = new Map<string, SideState>()
  const added = new Map<string, FlatEntry>()
  for (const c of diffMaps(base, side, true)) {
    if (c.status === 'A') added.set(c.path, c.new!)
    else if (c.status === 'R') changed.set(c.oldPath!, {path: c.path, entry: c.new})
    else changed.set(c.path, {path: c.path, entry: c.new})
  }
  return {changed, added}
}

function same(a: FlatEntry | undefined, b: FlatEntry | undefined): boolean {
  if (!a || !b) return a === b
  return sameEntry(a, b)
}

function side(path: string, e: FlatEntry | undefined): ConflictSide | undefined {
  return e ? {path, ...e} : undefined
}

export function mergeTrees(base: Map<string, FlatEntry>, ours: Map<string, FlatEntry>, theirs: Map<string, FlatEntry>, favor?: Favor): MergeOutcome {
  const co = sideChanges(base, ours)
  const ct = sideChanges(base, theirs)
  const result = new Map(ours)
  const changed = new Set<string>()
  const conflicts: Conflict[] = []
  let favored = 0
  const set = (p: string, e: FlatEntry): void => {
    const cur = result.get(p)
    if (cur && same(cur, e)) return
    result.set(p, e)
    changed.add(p)
  }
  const del = (p: string): void => {
    if (result.delete(p)) changed.add(p)
  }

  const basePaths = new Set([...co.changed.keys(), ...ct.changed.keys()])
  for (const P of [...basePaths].sort()) {
    const bE = base.get(P)
    const o: SideState = co.changed.get(P) ?? {path: P, entry: bE}
    const t: SideState = ct.changed.get(P) ?? {path: P, entry: bE}
    let content: FlatEntry | undefined
    let kind: Conflict['kind'] | undefined
    if (same(o.entry, t.entry)) content = o.entry
    else if (same(o.entry, bE)) content = t.entry
    else if (same(t.entry, bE)) content = o.entry
    else kind = !o.entry ? 'deleted-by-us' : !t.entry ? 'deleted-by-them' : 'both-modified'

    let finalPath = o.path
    if (!kind && content) {
      if (o.path === t.path || t.path === P) finalPath = o.path
      else if (o.path === P) finalPath = t.path
      else kind = 'renamed-differently'
    }
    if (kind) {
      const conflict: Conflict = {path: o.entry ? o.path : t.path, kind, base: side(P, bE), ours: side(o.path, o.entry), theirs: side(t.path, t.entry)}
      if (favor) {
        favored++
        const pick = favor === 'ours' ? o : t
        if (o.entry && (!pick.entry || pick.path !== o.path)) del(o.path)
        if (pick.entry) set(pick.path, pick.entry)
      } else {
        conflicts.push(conflict)
        // Keep our version in place; when we deleted it, theirs is what the work tree shows.
        if (!o.entry && t.entry && !result.has(t.path)) set(t.path, t.entry)
      }
      continue
    }
    if (!content) {
      if (o.entry) del(o.path)
      continue
    }
    const occupant = finalPath !== o.path ? result.get(finalPath) : undefined
    if (occupant && !same(occupant, content)) {
      // Their move lands where we put another file.
      if (favor) favored++
      if (favor === 'theirs') {
        if (o.entry) del(o.path)
        set(finalPath, content)
      } else if (!favor) conflicts.push({path: finalPath, kind: 'both-added', base: side(P, bE), ours: side(finalPath, occupant), theirs: side(finalPath, content)})
      continue
    }
    if (o.entry && finalPath !== o.path) del(o.path)
    set(finalPath, content)
  }

  for (const [Q, tE] of [...ct.added].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const cur = result.get(Q)
    if (!cur) set(Q, tE)
    else if (!same(cur, tE)) {
      if (favor) favored++
      if (favor === 'theirs') set(Q, tE)
      else if (!favor) conflicts.push({path: Q, kind: 'both-added', ours: side(Q, cur), theirs: side(Q, tE)})
    }
  }

  favored += resolveFileDirectoryClashes(result, changed, ours, conflicts, favor)
  conflicts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return {result, conflicts, changed, favored}
}

/**
 * A path that is a file on one side and a directory on the other. Without a favored side, the
 * entry their changes brought in is held back (recorded in the conflict) and ours stays.
 */
function resolveFileDirectoryClashes(result: Map<string, FlatEntry>, changed: Set<string>, ours: Map<string, FlatEntry>, conflicts: Conflict[], favor?: Favor): number {
  const incoming = [...changed].filter((p) => result.has(p) && !same(result.get(p), ours.get(p)))
  if (incoming.length === 0) return 0
  let favored = 0
  const dirs = new Set<string>()
  for (const p of result.keys()) {
    let i = p.lastIndexOf('/')
    while (i > 0) {
      const d = p.slice(0, i)
      if (dirs.has(d)) break
      dirs.add(d)
      i = d.lastIndexOf('/')
    }
  }
  for (const p of incoming) {
    const e = result.get(p)
    if (!e) continue
    // (a) an ancestor of the incoming path is a file
    let blocker: string | undefined
    for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
      if (result.has(p.slice(0, i))) {
        blocker = p.slice(0, i)
        break
      }
    }
    // (b) the incoming file stands where the result has a directory
    const underneath = dirs.has(p)
    if (!blocker && !underneath) continue
    if (favor) favored++
    if (favor === 'theirs') {
      if (blocker) result.delete(blocker)
      if (underneath) for (const k of [...result.keys()]) if (k.startsWith(p + '/') && ours.has(k)) result.delete(k)
      continue
    }
    const oursEntry = blocker ? result.get(blocker) : undefined
    result.delete(p)
    if (ours.has(p)) result.set(p, ours.get(p)!)
    else changed.delete(p)
    if (!favor) conflicts.push({path: p, kind: 'file-directory', ours: blocker ? side(blocker, oursEntry) : undefined, theirs: side(p, e)})
  }
  return favored
}
