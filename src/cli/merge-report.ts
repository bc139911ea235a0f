/**
 * Git's per-path report of a merge (also a cherry-pick, revert or rebase step): "Auto-merging
 * <path>" for each file whose contents were merged, and a "CONFLICT (<kind>): ..." line for each
 * path left in conflict, in Git's words, before the error line of a stopped merge.
 */
import type {Conflict} from '../core/ops/operation-state.js'
import {quotePath} from '../core/worktree/paths.js'

/** Conflict lines printed at most; the rest are counted (`bl status` lists them all). */
const MAX_CONFLICT_LINES = 50

export function autoMergingLines(paths: readonly string[]): string[] {
  return paths.map((p) => `Auto-merging ${quotePath(p)}`)
}

function conflictLine(c: Conflict, theirs: string): string {
  const p = quotePath(c.path)
  switch (c.kind) {
    case 'both-modified':
      return c.markers ? `CONFLICT (content): Merge conflict in ${p}` : `CONFLICT (content): Merge conflict in ${p} (not merged by lines: binary, a symlink or too big a change; ours left in place)`
    case 'both-added':
      return c.markers ? `CONFLICT (add/add): Merge conflict in ${p}` : `CONFLICT (add/add): ${p} added differently in HEAD and in ${theirs}; ours left in place`
    case 'deleted-by-us':
      return `CONFLICT (modify/delete): ${quotePath(c.base?.path ?? c.path)} deleted in HEAD and modified in ${theirs}.  Version ${theirs} of ${p} left in tree.`
    case 'deleted-by-them':
      return `CONFLICT (modify/delete): ${quotePath(c.base?.path ?? c.path)} deleted in ${theirs} and modified in HEAD.  Version HEAD of ${p} left in tree.`
    case 'renamed-differently':
      return `CONFLICT (rename/rename): ${quotePath(c.base?.path ?? c.path)} renamed to ${quotePath(c.ours?.path ?? c.path)} in HEAD and to ${quotePath(c.theirs?.path ?? c.path)} in ${theirs}.`
    case 'file-directory':
      return `CONFLICT (file/directory): ${p} is a file on one side and a directory on the other`
  }
}

/** The report of a MERGE_CONFLICT error's data (from conflictError). */
export function conflictReport(data: Record<string, unknown>): string[] {
  const conflicts = Array.isArray(data.conflicts) ? (data.conflicts as Conflict[]) : []
  const automerged = Array.isArray(data.automerged) ? (data.automerged as string[]) : []
  const theirs = typeof data.label === 'string' ? data.label : 'theirs'
  // Path by path, as Git goes: a file's "Auto-merging" line, then its conflict if it has one.
  const items: Array<{path: string; line: string}> = automerged.map((p) => ({path: p, line: autoMergingLines([p])[0]!}))
  for (const c of conflicts.slice(0, MAX_CONFLICT_LINES)) items.push({path: c.path, line: conflictLine(c, theirs)})
  const lines = items.map((x, k) => ({...x, k})).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.k - b.k)).map((x) => x.line)
  if (conflicts.length > MAX_CONFLICT_LINES) lines.push(`... and ${conflicts.length - MAX_CONFLICT_LINES} more conflicts (\`bl status\` lists them)`)
  return lines
}
