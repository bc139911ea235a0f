/**
 * Path-level differences between two snapshots (trees, the index or the work tree), with exact
 * rename detection: a path deleted and another added with the same file id is a rename, because
 * content-addressing makes "same bytes" a string comparison. Renames that also changed the file:
 * similarity.ts.
 */
import type {FlatEntry} from '../tree-build.js'

export type ChangeStatus = 'A' | 'D' | 'M' | 'R' | 'T'

export interface Change {
  status: ChangeStatus
  path: string
  /** For renames: where the file was. */
  oldPath?: string
  /** For renames: Git's similarity index, the percentage of content kept (100: the same file id). */
  score?: number
  old?: FlatEntry
  new?: FlatEntry
}

export function sameEntry(a: FlatEntry, b: FlatEntry): boolean {
  return a.id === b.id && a.kind === b.kind && a.exec === b.exec
}

/**
 * Changes from `before` to `after`, sorted by path; renames paired by id (first come, first paired).
 * Only files pair, unless `renameSymlinks` (merges, as Git's rename detection) also pairs a symlink
 * with a symlink of the same target; a file never pairs with a symlink.
 */
export function diffMaps(before: Map<string, FlatEntry>, after: Map<string, FlatEntry>, detectRenames = true, renameSymlinks = false): Change[] {
  const changes: Change[] = []
  const deleted: Change[] = []
  const added: Change[] = []
  for (const [p, a] of before) {
    const b = after.get(p)
    if (!b) deleted.push({status: 'D', path: p, old: a})
    else if (!sameEntry(a, b)) changes.push({status: a.kind !== b.kind ? 'T' : 'M', path: p, old: a, new: b})
  }
  for (const [p, b] of after) if (!before.has(p)) added.push({status: 'A', path: p, new: b})
  if (detectRenames && deleted.length && added.length) {
    const pairs = (e: FlatEntry): boolean => e.kind === 'file' || (renameSymlinks && e.kind === 'symlink')
    const key = (e: FlatEntry): string => `${e.kind}:${e.id}`
    const byId = new Map<string, Change[]>()
    for (const d of deleted) if (pairs(d.old!)) (byId.get(key(d.old!)) ?? byId.set(key(d.old!), []).get(key(d.old!))!).push(d)
    for (const a of added) {
      const pool = pairs(a.new!) ? byId.get(key(a.new!)) : undefined
      const d = pool?.shift()
      if (d) {
        a.status = 'R'
        a.score = 100
        a.oldPath = d.path
        a.old = d.old
        d.status = 'R' // marked: paired, not reported as a deletion
      }
    }
  }
  for (const d of deleted) if (d.status === 'D') changes.push(d)
  changes.push(...added)
  changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))
  return changes
}
