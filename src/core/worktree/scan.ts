/**
 * Walks the work tree: every file and symlink under the given pathspecs that is not ignored
 * (tracked files are reported even when a rule would ignore them, as in Git). Directories are
 * never followed through symlinks; empty directories produce nothing.
 */
import fs from 'node:fs'
import path from 'node:path'
import {fsError} from '../errors.js'
import {collisionKey, portableNameProblem} from '../objects/path-rules.js'
import type {Repo} from '../repo.js'
import {defaultDirReader, type DirEntry, type DirReader, type FileStat} from './dir-reader.js'
import {alwaysIgnored, IgnoreRules} from './ignore-rules.js'
import {isTempName} from './temp-files.js'
import {absPath, globBase, isGlob, underSpec} from './paths.js'

export interface ScannedFile {
  path: string
  kind: 'file' | 'symlink'
  /** lstat result, present when `needStat` said so. */
  st?: FileStat
}

export interface ScanResult {
  files: ScannedFile[]
  /** Names bl cannot store (newline, invalid UTF-8, ...), with the reason. */
  invalid: Array<{path: string; problem: string}>
}

export interface ScanOptions {
  /** Repo paths to walk ('' = everything). */
  specs: string[]
  tracked: {has(path: string): boolean}
  /** Directories that contain tracked files (so ignored directories holding them are still walked). */
  trackedDirs: Set<string>
  needStat(path: string, kind: 'file' | 'symlink'): boolean
  /** Walk into what .blignore ignores too (`add -f`); never into `.bl`, `.git` or a root bl.lock. */
  includeIgnored?: boolean
  /** Receives each file instead of collecting it in `files` (saves memory on big trees). */
  onFile?(file: ScannedFile): void
  /** How directories are listed (tests compare the readers; the default is the fastest here). */
  reader?: DirReader
}

export function scanWorktree(repo: Repo, opts: ScanOptions): ScanResult {
  const out: ScanResult = {files: [], invalid: []}
  const rules = new IgnoreRules(repo.root)
  const walk = walker(repo, opts, out, rules)
  for (const spec of dedupeSpecs(opts.specs)) {
    if (spec === '') {
      walk.dir('')
      continue
    }
    if (isGlob(spec)) {
      const base = globBase(spec)
      if (base !== '' && (hasSymlinkParent(repo, base + '/x') || !isDir(absPath(repo, base)))) continue
      walk.filter = spec
      walk.dir(base)
      walk.filter = null
      continue
    }
    let st: fs.Stats
    try {
      st = fs.lstatSync(absPath(repo, spec))
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') continue
      throw fsError(err, spec, 'reading')
    }
    // Parent directories of a pathspec must not be symlinks (a link would lead outside the tree).
    if (hasSymlinkParent(repo, spec)) continue
    const problem = spec.split('/').map((name) => portableNameProblem(name)?.reason).find((p) => p)
    if (problem) {
      out.invalid.push({path: spec, problem})
      continue
    }
    // A path named outright is ignored as it would be in the walk (`status -- x.log` lists no ignored x.log).
    const isTracked = st.isDirectory() ? opts.trackedDirs.has(spec) : opts.tracked.has(spec)
    if (!isTracked && !opts.includeIgnored && rules.ignores(spec, st.isDirectory())) continue
    if (st.isDirectory()) walk.dir(spec)
    else if (st.isFile()) walk.visit(spec, 'file')
    else if (st.isSymbolicLink()) walk.visit(spec, 'symlink')
  }
  return out
}

/** A directory's entry as the walk judges it: tracked (in the index, or a directory above a tracked file) or not. */
export interface ListedEntry extends DirEntry {
  tracked: boolean
}

/**
 * The untracked files and invalid names of directories already listed (by the native tracked
 * scan, tracked-scan.ts, which has judged their tracked names), walking their untracked
 * subdirectories: the same rules as scanWorktree's walk.
 */
export function scanListed(repo: Repo, listings: Array<{dir: string; entries: ListedEntry[]}>, opts: Pick<ScanOptions, 'onFile' | 'reader'> = {}): ScanResult {
  const out: ScanResult = {files: [], invalid: []}
  // Nothing below an untracked directory is tracked.
  const walk = walker(repo, {specs: [], tracked: {has: () => false}, trackedDirs: new Set(), needStat: () => false, ...opts}, out)
  for (const {dir, entries} of listings) walk.listing(dir, absPath(repo, dir), entries, true)
  return out
}

interface Walker {
  /** While a wildcard pathspec is walked (from its literal base directory): what must match it. */
  filter: string | null
  dir(rel: string): void
  visit(rel: string, kind: 'file' | 'symlink'): void
  /** Goes through one directory's entries; `skipTracked`: its tracked names were judged elsewhere. */
  listing(rel: string, dirAbs: string, entries: ListedEntry[], skipTracked: boolean): void
}

function walker(repo: Repo, opts: ScanOptions, out: ScanResult, rules = new IgnoreRules(repo.root)): Walker {
  const reader = opts.reader ?? defaultDirReader()
  /** `listed`: the lstat the directory reader returned with the listing, if any; `dirAbs`: the directory's absolute path, when known. */
  const visit = (rel: string, kind: 'file' | 'symlink', listed?: FileStat, dirAbs?: string, name?: string): void => {
    if (w.filter !== null && !underSpec(rel, w.filter)) return
    let st: FileStat | undefined
    if (opts.needStat(rel, kind)) {
      try {
        st = listed ?? fs.lstatSync(dirAbs === undefined ? absPath(repo, rel) : `${dirAbs}/${name}`, {throwIfNoEntry: false})
      } catch (err) {
        throw fsError(err, rel, 'reading')
      }
      if (!st) return
    }
    if (opts.onFile) opts.onFile({path: rel, kind, st})
    else out.files.push({path: rel, kind, st})
  }
  const listing = (rel: string, dirAbs: string, entries: ListedEntry[], skipTracked: boolean): void => {
    // Name order: files are then stored in path order, so a checkout (also in path order) reads
    // each segment once instead of jumping between them.
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const kept: Array<{d: ListedEntry; child: string; isDir: boolean}> = []
    for (const d of entries) {
      const child = rel === '' ? d.name : `${rel}/${d.name}`
      const isDir = d.type === 'dir'
      if (!d.tracked && (opts.includeIgnored ? alwaysIgnored(child) : rules.ignores(child, isDir))) continue
      if (child === '.bl') continue
      // Left by a killed checkout (temp-files.ts): never a user's file.
      if (!d.tracked && !isDir && isTempName(d.name)) continue
      kept.push({d, child, isDir})
    }
    // Tracked names were checked when they were added: a directory of tracked files costs nothing here.
    const clashes = kept.some((k) => !k.d.tracked) ? siblingCollisions(kept.map((k) => ({name: k.d.name, path: k.child, tracked: k.d.tracked}))) : null
    for (const {d, child, isDir} of kept) {
      if (d.tracked && skipTracked) continue
      const problem = d.tracked ? null : (portableNameProblem(d.name)?.reason ?? clashes?.get(child) ?? null)
      if (problem) {
        out.invalid.push({path: child, problem})
        continue
      }
      if (isDir) w.dir(child)
      else if (d.type === 'file') visit(child, 'file', d.st, dirAbs, d.name)
      else if (d.type === 'symlink') visit(child, 'symlink', d.st, dirAbs, d.name)
      // Sockets, FIFOs and devices are not data: skipped.
    }
  }
  const w: Walker = {
    filter: null,
    visit,
    listing,
    dir(rel) {
      const dirAbs = absPath(repo, rel)
      let entries: DirEntry[]
      try {
        entries = reader(dirAbs)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'ENOENT' || code === 'ENOTDIR') return
        throw fsError(err, rel || '.', 'listing')
      }
      // The reader's entries are fresh objects: judged in place rather than copied.
      const judged = entries as ListedEntry[]
      for (const d of judged) {
        const child = rel === '' ? d.name : `${rel}/${d.name}`
        d.tracked = d.type === 'dir' ? opts.trackedDirs.has(child) : opts.tracked.has(child)
      }
      listing(rel, dirAbs, judged, false)
    },
  }
  return w
}

function isDir(abs: string): boolean {
  try {
    return fs.lstatSync(abs).isDirectory()
  } catch {
    return false
  }
}

/** Is any parent directory of `p` a symlink (which would lead outside the work tree)? */
export function hasSymlinkParent(repo: Repo, p: string): boolean {
  const parts = p.split('/')
  for (let i = 1; i < parts.length; i++) {
    try {
      if (fs.lstatSync(path.join(repo.root, ...parts.slice(0, i))).isSymbolicLink()) return true
    } catch {
      return false
    }
  }
  return false
}

/** Drops specs covered by another spec, so nothing is walked twice. */
function dedupeSpecs(specs: string[]): string[] {
  const sorted = [...new Set(specs)].sort((a, b) => a.length - b.length)
  const kept: string[] = []
  for (const s of sorted) if (!kept.some((k) => underSpec(s, k))) kept.push(s)
  return kept
}

/** Every ancestor directory of every path (for `trackedDirs`). */
export function ancestorDirs(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>()
  for (const p of paths) {
    let i = p.lastIndexOf('/')
    while (i > 0) {
      const d = p.slice(0, i)
      if (dirs.has(d)) break
      dirs.add(d)
      i = d.lastIndexOf('/')
    }
  }
  return dirs
}

/** For each untracked name that opens the same file as a sibling on a case-insensitive or normalizing file system: why. */
function siblingCollisions(names: Array<{name: string; path: string; tracked: boolean}>): Map<string, string> {
  const byKey = new Map<string, Array<{name: string; path: string; tracked: boolean}>>()
  for (const n of names) {
    const key = collisionKey(n.name)
    const group = byKey.get(key)
    if (group) group.push(n)
    else byKey.set(key, [n])
  }
  const out = new Map<string, string>()
  for (const group of byKey.values()) {
    if (group.length < 2) continue
    for (const n of group) {
      if (n.tracked) continue
      const other = group.find((o) => o !== n)!
      out.set(n.path, `the name collides with ${JSON.stringify(other.path)} on case-insensitive or normalizing file systems`)
    }
  }
  return out
}
