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
import {absPath, toRepoPath} from '../worktree/paths.js'
import {ancestorDirs, scanWorktree} from '../worktree/scan.js'

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
  return {removed, dryRun: Boolean(opts.dryRun)}
}
