/**
 * Tree-level operations that cost O(what changed), not O(files in the tree): a diff that skips
 * every subtree whose id is equal on both sides, point lookups with cached directory listings, and
 * rewriting a tree with a set of path edits (only the directories on the edited paths are
 * re-encoded). Merges and checkouts between nearby commits of a 50,000-file tree use these.
 */
import type {Oid} from './hash.js'
import {buildTree, type TreeEntry} from './objects/tree.js'
import {compareNames} from './objects/names.js'
import {loadTree} from './odb.js'
import type {ObjectStore} from './store/types.js'
import type {FlatEntry} from './tree-build.js'

function flat(e: TreeEntry): FlatEntry {
  return {kind: e.kind as FlatEntry['kind'], exec: e.exec, size: e.size, id: e.id}
}

function byName(entries: TreeEntry[]): Map<string, TreeEntry> {
  const m = new Map<string, TreeEntry>()
  for (const e of entries) m.set(e.name, e)
  return m
}

/**
 * The files and symlinks that differ between trees `a` and `b`: `before` holds their entries in
 * `a`, `after` in `b` (a path missing from one map is absent on that side). Feed both to
 * `diffMaps` for statuses and exact renames.
 */
export function diffTrees(store: ObjectStore, a: Oid | null, b: Oid | null): {before: Map<string, FlatEntry>; after: Map<string, FlatEntry>} {
  const before = new Map<string, FlatEntry>()
  const after = new Map<string, FlatEntry>()
  const walk = (x: Oid | null, y: Oid | null, prefix: string): void => {
    if (x === y) return
    const ex = x ? byName(loadTree(store, x)) : new Map<string, TreeEntry>()
    const ey = y ? byName(loadTree(store, y)) : new Map<string, TreeEntry>()
    for (const name of new Set([...ex.keys(), ...ey.keys()])) {
      const l = ex.get(name)
      const r = ey.get(name)
      if (l && r && l.id === r.id && l.kind === r.kind && l.exec === r.exec) continue
      const p = prefix + name
      if (l?.kind === 'dir' || r?.kind === 'dir') walk(l?.kind === 'dir' ? l.id : null, r?.kind === 'dir' ? r.id : null, p + '/')
      if (l && l.kind !== 'dir') before.set(p, flat(l))
      if (r && r.kind !== 'dir') after.set(p, flat(r))
    }
  }
  walk(a, b, '')
  return {before, after}
}

/** Point lookups in one tree, each directory listing loaded once. */
export class TreeReader {
  private readonly dirs = new Map<string, Map<string, TreeEntry> | null>()

  constructor(
    private readonly store: ObjectStore,
    readonly root: Oid | null,
  ) {}

  private listing(dir: string): Map<string, TreeEntry> | null {
    if (this.dirs.has(dir)) return this.dirs.get(dir)!
    let out: Map<string, TreeEntry> | null = null
    if (dir === '') out = this.root ? byName(loadTree(this.store, this.root)) : null
    else {
      const i = dir.lastIndexOf('/')
      const parent = this.listing(i < 0 ? '' : dir.slice(0, i))
      const e = parent?.get(i < 0 ? dir : dir.slice(i + 1))
      out = e?.kind === 'dir' ? byName(loadTree(this.store, e.id)) : null
    }
    this.dirs.set(dir, out)
    return out
  }

  private entry(p: string): TreeEntry | undefined {
    const i = p.lastIndexOf('/')
    return this.listing(i < 0 ? '' : p.slice(0, i))?.get(i < 0 ? p : p.slice(i + 1))
  }

  /** The file or symlink at `p` (undefined for a directory or nothing). */
  get(p: string): FlatEntry | undefined {
    const e = this.entry(p)
    return e && e.kind !== 'dir' ? flat(e) : undefined
  }

  isDir(p: string): boolean {
    return this.entry(p)?.kind === 'dir'
  }

  /** Every file under directory `dir`. */
  filesUnder(dir: string): string[] {
    const out: string[] = []
    const walk = (d: string): void => {
      for (const [name, e] of this.listing(d) ?? []) {
        const p = `${d}/${name}`
        if (e.kind === 'dir') walk(p)
        else out.push(p)
      }
    }
    if (this.isDir(dir)) walk(dir)
    return out
  }
}

/**
 * Writes the tree that is `root` with `edits` applied (path -> new entry, or null to delete) and
 * returns its id. Directories left empty disappear; a file standing where an edit needs a
 * directory is replaced. Call inside a transaction.
 */
export function applyEdits(store: ObjectStore, root: Oid | null, edits: Map<string, FlatEntry | null>): Oid {
  const rewrite = (tree: Oid | null, local: Map<string, FlatEntry | null>): {id: Oid; size: number; files: number} | null => {
    const entries = tree ? byName(loadTree(store, tree)) : new Map<string, TreeEntry>()
    const sub = new Map<string, Map<string, FlatEntry | null>>()
    for (const [p, e] of local) {
      const i = p.indexOf('/')
      if (i < 0) {
        if (e) entries.set(p, {name: p, kind: e.kind, exec: e.exec, size: e.size, files: 1, id: e.id})
        else if (entries.get(p)?.kind !== 'dir') entries.delete(p)
        continue
      }
      const name = p.slice(0, i)
      let m = sub.get(name)
      if (!m) sub.set(name, (m = new Map()))
      m.set(p.slice(i + 1), e)
    }
    for (const [name, m] of sub) {
      const cur = entries.get(name)
      const child = rewrite(cur?.kind === 'dir' ? cur.id : null, m)
      // A file in the way of new entries below it gives way; a delete-only edit leaves it alone.
      if (child) entries.set(name, {name, kind: 'dir', exec: false, size: child.size, files: child.files, id: child.id})
      else if (cur?.kind === 'dir') entries.delete(name)
    }
    if (entries.size === 0) return null
    const list = [...entries.values()].sort((a, b) => compareNames(a.name, b.name))
    const nodes = buildTree(list)
    for (const n of nodes) store.putObject(n.id, 'tree', n.bytes)
    let size = 0
    let files = 0
    for (const e of list) {
      size += e.size
      files += e.files
    }
    return {id: nodes[nodes.length - 1]!.id, size, files}
  }
  const res = rewrite(root, edits)
  if (res) return res.id
  const empty = buildTree([])
  for (const n of empty) store.putObject(n.id, 'tree', n.bytes)
  return empty[empty.length - 1]!.id
}
