/**
 * bl clean: delete untracked files from the work tree, as `git clean` does. Nothing is deleted
 * without -f (Git's clean.requireForce); -n lists what -f would delete. Untracked directories are
 * entered only with -d, ignored files are deleted only with -x (or only they, with -X), and a
 * directory holding another repository (.bl or .git) is never entered.
 */
import fs from 'node:fs'
import {BlError} from '../errors.js'
import type {Repo} from '../repo.js'
import {loadIndex} from '../worktree/index-state.js'
import {removeEntry} from '../worktree/materialize.js'
import {IgnoreRules} from '../worktree/ignore-rules.js'
import {ancestorDirs, scanWorktree} from '../worktree/scan.js'
import {absPath, isGlob, toRepoPath} from '../worktree/paths.js'

export interface CleanOptions {
  paths: string[]
  force?: boolean
  dryRun?: boolean
  /** -d: also untracked directories. */
  directories?: boolean
  /** -x: ignored files too. */
  ignored?: boolean
  /** -X: only ignored files. */
  onlyIgnored?: boolean
}

export interface CleanResult {
  /** Repository paths deleted (or, with dryRun, that would be). */
  removed: string[]
  dryRun: boolean
}

export function clean(repo: Repo, opts: CleanOptions): CleanResult {
  if (!opts.force && !opts.dryRun)
    throw new BlError('INVALID_ARGUMENT', 'refusing to clean without -f or -n', {hint: '`bl clean -n` lists what `bl clean -f` would delete (untracked files cannot be brought back).'})
  if (opts.ignored && opts.onlyIgnored) throw new BlError('INVALID_ARGUMENT', '-x and -X cannot be used together', {hint: '-x deletes ignored files too, -X only them.'})
  const index = loadIndex(repo)
  const trackedDirs = ancestorDirs(index.keys())
  const specs = opts.paths.length ? opts.paths.map((p) => toRepoPath(repo, p)) : ['']
  const scan = (includeIgnored: boolean): string[] =>
    scanWorktree(repo, {specs, tracked: index, trackedDirs, needStat: () => false, includeIgnored}).files.map((f) => f.path).filter((p) => !index.has(p))
  let candidates = scan(Boolean(opts.ignored || opts.onlyIgnored))
  if (opts.onlyIgnored) {
    const notIgnored = new Set(scan(false))
    candidates = candidates.filter((p) => !notIgnored.has(p))
  }
  const nested = new Map<string, boolean>()
  const holdsRepository = (dir: string): boolean => {
    let v = nested.get(dir)
    if (v === undefined) nested.set(dir, (v = ['.bl', '.git'].some((n) => fs.existsSync(absPath(repo, `${dir}/${n}`)))))
    return v
  }
  const removed = candidates
    .filter((p) => {
      // Its directories below the nearest tracked one are untracked: entered only with -d, and
      // never when one of them is another repository's work tree.
      for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) {
        const dir = p.slice(0, i)
        if (trackedDirs.has(dir)) break
        if (!opts.directories || holdsRepository(dir)) return false
      }
      return true
    })
    .sort()
  if (!opts.dryRun) for (const p of removed) removeEntry(repo, p)
  // -d: untracked directories that hold no file at all (bl tracks no directories; Git's clean
  // removes these too). Those emptied above already went with their last file.
  if (opts.directories) {
    const rules = new IgnoreRules(repo.root)
    const wanted = (dir: string): boolean => {
      const ignored = rules.ignores(dir, true)
      return opts.onlyIgnored ? ignored : opts.ignored || !ignored
    }
    const empty: string[] = []
    for (const spec of specs) for (const d of emptyUntrackedDirs(repo, spec, trackedDirs, wanted, holdsRepository)) empty.push(d)
    for (const d of [...new Set(empty)].sort()) {
      if (!opts.dryRun) fs.rmSync(absPath(repo, d), {recursive: true})
      removed.push(`${d}/`)
    }
    removed.sort()
  }
  return {removed, dryRun: Boolean(opts.dryRun)}
}

/**
 * The outermost untracked directories at or below `spec` that contain only directories (none of
 * them another repository, or inside one), and that `wanted` (the ignore choice of -x/-X) takes.
 */
function emptyUntrackedDirs(repo: Repo, spec: string, trackedDirs: Set<string>, wanted: (dir: string) => boolean, holdsRepository: (dir: string) => boolean): string[] {
  const out: string[] = []
  // Whether `dir` holds no file below it (symlinks and other non-directories count as files).
  const onlyDirs = (dir: string): boolean => {
    let names: fs.Dirent[]
    try {
      names = fs.readdirSync(absPath(repo, dir), {withFileTypes: true})
    } catch {
      return false
    }
    return names.every((e) => e.isDirectory() && !['.bl', '.git'].includes(e.name) && onlyDirs(`${dir}/${e.name}`))
  }
  const visit = (dir: string): void => {
    if (dir !== '' && !trackedDirs.has(dir)) {
      if (holdsRepository(dir)) return
      if (wanted(dir) && onlyDirs(dir)) {
        out.push(dir)
        return
      }
    }
    let names: fs.Dirent[]
    try {
      names = fs.readdirSync(dir === '' ? repo.root : absPath(repo, dir), {withFileTypes: true})
    } catch {
      return
    }
    for (const e of names) if (e.isDirectory() && (dir !== '' || e.name !== '.bl')) visit(dir === '' ? e.name : `${dir}/${e.name}`)
  }
  // A spec names a directory (or a file, which holds no directory to clean); globs are not walked for directories.
  if (spec !== '' && (isGlob(spec) || !fs.lstatSync(absPath(repo, spec), {throwIfNoEntry: false})?.isDirectory())) return out
  visit(spec)
  return out
}
