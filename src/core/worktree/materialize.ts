/**
 * Writes stored content into the work tree. Each file is written to a temporary name beside its
 * destination and renamed over it, so a reader (or a crash) never sees a half-written file.
 * Nothing is ever written through a symlinked parent directory.
 */
import fs from 'node:fs'
import path from 'node:path'
import {BlError, fsError} from '../errors.js'
import {readFileChunks} from '../odb.js'
import type {Repo} from '../repo.js'
import type {FlatEntry} from '../tree-build.js'
import {absPath} from './paths.js'
import type {StagedFiles} from './staged-files.js'
import {assertSafePaths} from './tree-safety.js'

let tmpCounter = 0

/**
 * Directories a run of writes has checked (`known`) and of those the ones it created itself
 * (`created`): a path in a directory created by this run cannot have anything in its way, which
 * saves an lstat per file of a checkout into an empty tree (50,000 of them for D2).
 */
export class DirCache {
  readonly known = new Set<string>()
  readonly created = new Set<string>()
}

/**
 * Makes sure every parent of `p` is a real directory, replacing a file in the way (the caller
 * checked it is tracked and clean). Returns the absolute path of `p`'s parent.
 */
function ensureParents(repo: Repo, p: string, dirs?: DirCache): string {
  const parts = p.split('/')
  let cur = repo.root
  for (let i = 0; i < parts.length - 1; i++) {
    cur = path.join(cur, parts[i]!)
    if (dirs?.known.has(cur)) continue
    let st: fs.Stats | undefined
    try {
      st = fs.lstatSync(cur)
    } catch {
      st = undefined
    }
    if (st?.isDirectory()) {
      dirs?.known.add(cur)
      continue
    }
    if (st) {
      // A file or symlink where a directory must go: the caller checked it is tracked and clean.
      fs.rmSync(cur, {force: true})
    }
    try {
      fs.mkdirSync(cur)
    } catch (err) {
      throw fsError(err, parts.slice(0, i + 1).join('/'), 'creating directory')
    }
    dirs?.known.add(cur)
    dirs?.created.add(cur)
  }
  return cur
}

/** Writes one entry; a regular file whose content `staged` holds is renamed into place instead. */
export function writeEntry(repo: Repo, p: string, e: FlatEntry, dirs?: DirCache, staged?: StagedFiles): fs.Stats {
  // The callers checked the whole move first; this is the last line for every path written.
  assertSafePaths(repo.store, [{path: p, kind: e.kind, id: e.id}])
  const parent = ensureParents(repo, p, dirs)
  const dest = absPath(repo, p)
  // A directory in the way goes (the caller checked what is in it); none can be in one this run created.
  if (!dirs?.created.has(parent)) {
    try {
      const st = fs.lstatSync(dest, {throwIfNoEntry: false})
      if (st?.isDirectory()) fs.rmSync(dest, {recursive: true, force: true})
    } catch (err) {
      throw fsError(err, p, 'replacing')
    }
  }
  if (e.kind === 'file' && staged?.take(e.id, dest, e.exec)) return fs.lstatSync(dest)
  const tmp = path.join(path.dirname(dest), `.bl-tmp-${process.pid}-${tmpCounter++}`)
  try {
    if (e.kind === 'symlink') {
      const target = Buffer.concat([...readFileChunks(repo.store, e.id)]).toString('utf8')
      fs.symlinkSync(target, tmp)
    } else {
      const fd = fs.openSync(tmp, 'w', e.exec ? 0o777 : 0o666)
      try {
        for (const chunk of readFileChunks(repo.store, e.id)) {
          let off = 0
          while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off)
        }
      } finally {
        fs.closeSync(fd)
      }
    }
    fs.renameSync(tmp, dest)
  } catch (err) {
    fs.rmSync(tmp, {force: true})
    if (err instanceof BlError) throw err
    throw fsError(err, p, 'writing')
  }
  return fs.lstatSync(dest)
}

/**
 * Removes a file from the work tree and any directories it leaves empty, except the directory the
 * command runs in (Git >= 2.35 keeps it too: a shell sitting there would be left in a deleted one).
 */
export function removeEntry(repo: Repo, p: string): void {
  const abs = absPath(repo, p)
  // A directory on the way replaced by a symlink: the path is already gone from the work tree, and
  // what lies behind the link (maybe outside the repository) is not ours to delete.
  for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
    try {
      if (fs.lstatSync(absPath(repo, p.slice(0, i)), {throwIfNoEntry: false})?.isSymbolicLink()) return
    } catch {
      return
    }
  }
  try {
    const st = fs.lstatSync(abs, {throwIfNoEntry: false})
    if (st && !st.isDirectory()) fs.unlinkSync(abs)
  } catch (err) {
    // A parent that is a file (ENOTDIR) means the path is already absent.
    if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw fsError(err, p, 'removing')
    return
  }
  let dir = path.dirname(abs)
  const cwd = path.resolve(repo.ctx.cwd)
  while (dir !== repo.root && dir !== cwd && dir.startsWith(repo.root)) {
    try {
      fs.rmdirSync(dir)
    } catch {
      break
    }
    dir = path.dirname(dir)
  }
}
