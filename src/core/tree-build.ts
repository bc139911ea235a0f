/**
 * Index entries -> tree objects, and tree objects -> a flat path map. Directories are built
 * bottom-up; each directory's entries are sorted by name (UTF-8 byte order).
 */
import type {Oid} from './hash.js'
import {loadTree} from './odb.js'
import {buildTree, type EntryKind, type TreeEntry} from './objects/tree.js'
import {compareNames} from './objects/names.js'
import type {ObjectStore} from './store/types.js'

export interface FlatEntry {
  kind: Exclude<EntryKind, 'dir'>
  exec: boolean
  size: number
  id: Oid
}

const MODE = {file: '100644', exec: '100755', symlink: '120000', dir: '040000'}

/** Git's mode for an entry (`100644`, `100755`, `120000`, `040000`), as ls-tree and ls-files -s print it. */
export function modeOf(e: {kind: EntryKind; exec: boolean}): string {
  return e.kind === 'dir' ? MODE.dir : e.kind === 'symlink' ? MODE.symlink : e.exec ? MODE.exec : MODE.file
}

interface DirNode {
  files: TreeEntry[]
  dirs: Map<string, DirNode>
}

/** Writes the trees for `entries` (call inside a transaction); returns the root tree id. */
export function writeTree(store: ObjectStore, entries: Iterable<{path: string} & FlatEntry>): Oid {
  const root: DirNode = {files: [], dirs: new Map()}
  for (const e of entries) {
    const parts = e.path.split('/')
    let node = root
    for (let i = 0; i < parts.length - 1; i++) {
      let next = node.dirs.get(parts[i]!)
      if (!next) node.dirs.set(parts[i]!, (next = {files: [], dirs: new Map()}))
      node = next
    }
    node.files.push({name: parts[parts.length - 1]!, kind: e.kind, exec: e.exec, size: e.size, files: 1, id: e.id})
  }
  const write = (node: DirNode): TreeEntry => {
    const list = [...node.files]
    for (const [name, child] of node.dirs) {
      const t = write(child)
      list.push({...t, name})
    }
    list.sort((a, b) => compareNames(a.name, b.name))
    const nodes = buildTree(list)
    for (const n of nodes) store.putObject(n.id, 'tree', n.bytes)
    const rootNode = nodes[nodes.length - 1]!
    return {
      name: '',
      kind: 'dir',
      exec: false,
      size: list.reduce((s, e) => s + e.size, 0),
      files: list.reduce((s, e) => s + e.files, 0),
      id: rootNode.id,
    }
  }
  return write(root).id
}

/** Every file and symlink of a tree, keyed by path, optionally only under `prefix`. */
export function flattenTree(store: ObjectStore, tree: Oid, prefix = ''): Map<string, FlatEntry> {
  const out = new Map<string, FlatEntry>()
  const walk = (id: Oid, base: string): void => {
    for (const e of loadTree(store, id)) {
      const p = base ? `${base}/${e.name}` : e.name
      if (e.kind === 'dir') {
        if (prefix === '' || prefix.startsWith(p + '/') || p === prefix || p.startsWith(prefix + '/')) walk(e.id, p)
      } else if (prefix === '' || p === prefix || p.startsWith(prefix + '/')) out.set(p, {kind: e.kind, exec: e.exec, size: e.size, id: e.id})
    }
  }
  walk(tree, '')
  return out
}

/** Finds the entry at `path` in a tree (file, symlink or dir), or undefined. */
export function lookupPath(store: ObjectStore, tree: Oid, path: string): TreeEntry | undefined {
  if (path === '') return {name: '', kind: 'dir', exec: false, size: 0, files: 0, id: tree}
  let cur: Oid = tree
  const parts = path.split('/')
  for (let i = 0; i < parts.length; i++) {
    const e = loadTree(store, cur).find((x) => x.name === parts[i])
    if (!e) return undefined
    if (i === parts.length - 1) return e
    if (e.kind !== 'dir') return undefined
    cur = e.id
  }
  return undefined
}
