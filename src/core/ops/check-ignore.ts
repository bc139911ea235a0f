/**
 * bl check-ignore: which paths .blignore ignores, and by which rule (Git's check-ignore). As in Git,
 * a tracked path is never ignored (rules only keep untracked files out), unless --no-index asks
 * about the rules alone.
 */
import type {Repo} from '../repo.js'
import {loadIndex} from '../worktree/index-state.js'
import {IgnoreRules, type IgnoreSource} from '../worktree/ignore-rules.js'
import {absPath, safeLstat, toRepoPath} from '../worktree/paths.js'

export interface CheckIgnoreRow {
  /** The path as given. */
  path: string
  ignored: boolean
  /** The rule that decides: the one that ignores it (`file` '' for bl's built-in `.bl`, `.git` and root `bl.lock`), or a `!pattern` that keeps it; null when no rule matches. */
  source: IgnoreSource | null
}

export function checkIgnore(repo: Repo, opts: {paths: string[]; noIndex?: boolean}): CheckIgnoreRow[] {
  const rules = new IgnoreRules(repo.root)
  const index = opts.noIndex ? null : loadIndex(repo)
  return opts.paths.map((given) => {
    const p = toRepoPath(repo, given)
    if (p === '' || index?.has(p)) return {path: given, ignored: false, source: null}
    // A directory by what is on disk, or by a trailing slash when nothing is there (as Git judges it).
    const isDir = safeLstat(absPath(repo, p))?.isDirectory() ?? given.endsWith('/')
    const why = rules.explain(p, isDir)
    return {path: given, ignored: why?.ignored ?? false, source: why?.source ?? null}
  })
}
