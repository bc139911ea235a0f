/** bl rm: remove paths from the index (and the work tree unless --cached), with Git's safety checks. */
import {BlError} from '../errors.js'
import type {Repo} from '../repo.js'
import {loadIndex} from '../worktree/index-state.js'
import {removeEntry} from '../worktree/materialize.js'
import {quotePath, toRepoPath, underSpec} from '../worktree/paths.js'
import {conflictPaths, markResolved, readOperation} from './operation-state.js'
import {headTree, treeMap, viewWorktree} from './snapshot.js'

export interface RmOptions {
  paths: string[]
  cached?: boolean
  recursive?: boolean
  force?: boolean
  dryRun?: boolean
}

export function rm(repo: Repo, opts: RmOptions): {removed: string[]} {
  if (opts.paths.length === 0) throw new BlError('INVALID_ARGUMENT', 'no paths given', {hint: 'Usage: bl rm [--cached] [-r] <path>...'})
  const index = loadIndex(repo)
  const targets = new Set<string>()
  for (const raw of opts.paths) {
    const spec = toRepoPath(repo, raw)
    const hits = [...index.keys()].filter((p) => underSpec(p, spec))
    if (hits.length === 0) throw new BlError('PATHSPEC_NO_MATCH', `pathspec '${raw}' did not match any tracked files`, {hint: '`bl status` shows what is tracked.', data: {path: raw}})
    // Git's rule: -r is needed when the pathspec names a directory (or the whole tree), not when a
    // wildcard names the files themselves (`d/*.log`; `d/*` too, as `*` crosses `/`).
    if (!opts.recursive && (spec === '' || hits.some((p) => p.startsWith(spec + '/'))))
      throw new BlError('INVALID_ARGUMENT', `not removing '${raw}' recursively without -r`, {hint: `Use \`bl rm -r ${raw}\`.`})
    for (const h of hits) targets.add(h)
  }
  if (!opts.force) {
    const head = treeMap(repo, headTree(repo))
    const view = viewWorktree(repo, index, [...targets], false)
    const unsafe: string[] = []
    // `bl rm` of a conflicted path is how a conflict is resolved as a deletion: no safety check there (as Git).
    const conflicted = conflictPaths(readOperation(repo)?.conflicts ?? [])
    for (const p of targets) {
      if (conflicted.has(p)) continue
      const e = index.get(p)!
      const h = head.get(p)
      const stagedDiffers = !h || h.id !== e.id || h.kind !== e.kind || h.exec !== e.exec
      const t = view.dirty.get(p)
      const localDiffers = t !== undefined && t.st !== undefined
      // Git: refuse when the file has staged content differing from both HEAD and the file, and
      // without --cached when it has local edits or staged content (deleting the file would lose
      // the only copy of what is staged: no commit holds it).
      if (((localDiffers || stagedDiffers) && !opts.cached) || (stagedDiffers && localDiffers)) unsafe.push(p)
    }
    if (unsafe.length)
      throw new BlError('LOCAL_CHANGES', `${quotePath(unsafe[0]!)}${unsafe.length > 1 ? ` and ${unsafe.length - 1} more` : ''} has changes not committed`, {
        hint: opts.cached ? 'Its staged content is in no commit and differs from the file: use -f to unstage it anyway (the file stays).' : 'Use --cached to keep the file, or -f to force removal.',
        data: {paths: unsafe},
      })
  }
  const removed = [...targets].sort()
  if (opts.dryRun) return {removed}
  repo.store.transaction(() => {
    for (const p of removed) repo.store.deleteIndexEntry(p)
    markResolved(repo, removed, removed)
  }, {durable: true})
  if (!opts.cached) for (const p of removed) removeEntry(repo, p)
  return {removed}
}
