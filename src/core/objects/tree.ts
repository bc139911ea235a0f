/**
 * Trees: one directory's entries sorted by name (UTF-8 byte order). A directory with more than
 * LEAF_MAX entries is split into pages at content-defined boundaries on entry names, and the pages
 * are listed by index nodes (recursively), so changing one file of a 100k-entry directory rewrites
 * one page plus the index, not the whole listing. Layouts are in docs/format/objects.md.
 */
import {hashHex, type Oid} from '../hash.js'
import {Reader, Writer, corrupt} from './bytes.js'
import {compareNames, entryNameProblem, MAX_NAME_BYTES} from './names.js'

export type EntryKind = 'file' | 'dir' | 'symlink'

export interface TreeEntry {
  name: string
  kind: EntryKind
  /** Executable bit (files only). */
  exec: boolean
  /** Bytes: of the file, of the link target, or of every file below a directory. */
  size: number
  /** Files below a directory (1 for a file or symlink). */
  files: number
  id: Oid
}

interface IndexChild {
  first: string
  id: Oid
  entries: number
  size: number
  files: number
}

export const TREE_TAG = 0x54 // 'T'
const VERSION = 1
const KIND_CODE: Record<EntryKind, number> = {file: 0, dir: 1, symlink: 2}
const KIND_OF = ['file', 'dir', 'symlink'] as const

/** A directory of at most LEAF_MAX entries is one node; bigger ones are paged. */
export const LEAF_MAX = 1024
const PAGE_MIN = 64
const PAGE_MAX = 4096
const PAGE_MASK = 511 // ~512 entries a page

export interface EncodedNode {
  id: Oid
  bytes: Buffer
}

function encodeLeaf(entries: TreeEntry[]): Buffer {
  const w = new Writer(16 + entries.length * 64)
  w.u8(TREE_TAG).u8(VERSION).u8(0).uvar(entries.length)
  for (const e of entries) {
    w.str(e.name).u8(KIND_CODE[e.kind]).u8(e.exec ? 1 : 0).uvar(e.size)
    if (e.kind === 'dir') w.uvar(e.files)
    w.id(e.id)
  }
  return w.finish()
}

function encodeIndex(level: number, children: IndexChild[]): Buffer {
  const w = new Writer(16 + children.length * 64)
  w.u8(TREE_TAG).u8(VERSION).u8(level).uvar(children.length)
  for (const c of children) w.str(c.first).id(c.id).uvar(c.entries).uvar(c.size).uvar(c.files)
  return w.finish()
}

export type DecodedNode = {level: 0; entries: TreeEntry[]} | {level: number; children: IndexChild[]}

export function decodeTreeNode(bytes: Uint8Array): DecodedNode {
  const r = new Reader(bytes, 'tree')
  if (r.u8() !== TREE_TAG) throw corrupt('tree', 'wrong type tag')
  if (r.u8() !== VERSION) throw corrupt('tree', 'unsupported version')
  const level = r.u8()
  const n = r.uvar()
  if (n > r.remaining / 34) throw corrupt('tree', 'entry count exceeds node length')
  let prev: string | null = null
  const checkName = (name: string): void => {
    const problem = entryNameProblem(name)
    if (problem) throw corrupt('tree', `entry name ${JSON.stringify(name)} ${problem}`)
    if (prev !== null && compareNames(prev, name) >= 0) throw corrupt('tree', 'entries not strictly sorted')
    prev = name
  }
  if (level === 0) {
    const entries: TreeEntry[] = []
    for (let i = 0; i < n; i++) {
      const name = r.str(MAX_NAME_BYTES)
      checkName(name)
      const kind = KIND_OF[r.u8()]
      if (!kind) throw corrupt('tree', 'unknown entry kind')
      const flags = r.u8()
      if (flags > 1 || (flags === 1 && kind !== 'file')) throw corrupt('tree', 'invalid entry flags')
      const size = r.uvar()
      const files = kind === 'dir' ? r.uvar() : 1
      entries.push({name, kind, exec: flags === 1, size, files, id: r.id() as Oid})
    }
    r.end()
    return {level: 0, entries}
  }
  if (n === 0) throw corrupt('tree', 'empty index node')
  const children: IndexChild[] = []
  for (let i = 0; i < n; i++) {
    const first = r.str(MAX_NAME_BYTES)
    checkName(first)
    children.push({first, id: r.id() as Oid, entries: r.uvar(), size: r.uvar(), files: r.uvar()})
  }
  r.end()
  return {level, children}
}

/** Cheap, stable hash of a name for page boundaries (FNV-1a over UTF-16 units; the top bits are used). */
function nameHash(name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

function splitPages<T>(items: T[], nameOf: (t: T) => string): T[][] {
  const pages: T[][] = []
  let cur: T[] = []
  for (const it of items) {
    cur.push(it)
    if ((cur.length >= PAGE_MIN && (nameHash(nameOf(it)) >>> 23 & PAGE_MASK) === 0) || cur.length >= PAGE_MAX) {
      pages.push(cur)
      cur = []
    }
  }
  if (cur.length) pages.push(cur)
  return pages
}

/**
 * Encodes one directory (entries already sorted and valid) into nodes; returns them all, root last.
 * The root's id is the directory's tree id.
 */
export function buildTree(entries: TreeEntry[]): EncodedNode[] {
  const out: EncodedNode[] = []
  const emit = (bytes: Buffer): Oid => {
    const id = hashHex(bytes)
    out.push({id, bytes})
    return id
  }
  if (entries.length <= LEAF_MAX) {
    emit(encodeLeaf(entries))
    return out
  }
  let level: IndexChild[] = splitPages(entries, (e) => e.name).map((page) => ({
    first: page[0]!.name,
    id: emit(encodeLeaf(page)),
    entries: page.length,
    size: page.reduce((s, e) => s + e.size, 0),
    files: page.reduce((s, e) => s + e.files, 0),
  }))
  let depth = 1
  while (level.length > LEAF_MAX) {
    const d = depth
    level = splitPages(level, (c) => c.first).map((group) => ({
      first: group[0]!.first,
      id: emit(encodeIndex(d, group)),
      entries: group.reduce((s, c) => s + c.entries, 0),
      size: group.reduce((s, c) => s + c.size, 0),
      files: group.reduce((s, c) => s + c.files, 0),
    }))
    depth++
  }
  emit(encodeIndex(depth, level))
  return out
}

/** Reads every entry of the directory whose root node is `id`, in order, following index nodes. */
export function readTreeEntries(id: Oid, load: (id: Oid) => Uint8Array): TreeEntry[] {
  const node = decodeTreeNode(load(id))
  if (node.level === 0) return (node as {entries: TreeEntry[]}).entries
  const out: TreeEntry[] = []
  const walk = (n: DecodedNode, expectLevel: number): void => {
    if (n.level !== expectLevel) throw corrupt('tree', 'index level mismatch')
    if (n.level === 0) {
      for (const e of (n as {entries: TreeEntry[]}).entries) out.push(e)
      return
    }
    for (const c of (n as {children: IndexChild[]}).children) walk(decodeTreeNode(load(c.id)), n.level - 1)
  }
  walk(node, node.level)
  for (let i = 1; i < out.length; i++) {
    if (compareNames(out[i - 1]!.name, out[i]!.name) >= 0) throw corrupt('tree', 'pages out of order')
  }
  return out
}
