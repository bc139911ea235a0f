/**
 * Resolving conflicts by picking a side (`bl checkout --ours|--theirs <path>`): the chosen
 * version goes into the work tree and the index (or the path goes away when that side deleted it),
 * the other side's copy at another path (a rename) is removed, and the conflict is marked resolved.
 */
import {ensureContent} from './content.js'
import {BlError} from '../errors.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import {dateEntries, loadIndex, makeEntry} from '../worktree/index-state.js'
import {removeEntry, writeEntry} from '../worktree/materialize.js'
import {toRepoPath, underSpec} from '../worktree/paths.js'
import {readOperation, writeOperation, type Conflict} from './operation-state.js'

export interface ResolveResult {
  side: 'ours' | 'theirs'
  resolved: Array<{path: string; kind: Conflict['kind']; result: 'written' | 'deleted'}>
}

export async function checkoutSide(repo: Repo, rawPaths: string[], side: 'ours' | 'theirs'): Promise<ResolveResult> {
  if (rawPaths.length === 0) throw new BlError('INVALID_ARGUMENT', `--${side} needs the conflicted paths to take`, {hint: `e.g. \`bl checkout --${side} data.csv\` (\`bl status\` lists the conflicts).`})
  const op = readOperation(repo)
  if (!op || op.conflicts.length === 0)
    throw new BlError('NO_OPERATION', 'there are no conflicts to resolve', {hint: `--${side} picks a side of a conflicted path during a merge, cherry-pick, revert or rebase.`})
  const specs = rawPaths.map((p) => toRepoPath(repo, p))
  const picked = op.conflicts.filter((c) => specs.some((s) => underSpec(c.path, s) || [c.ours?.path, c.theirs?.path].some((q) => q !== undefined && underSpec(q, s))))
  if (picked.length === 0) {
    throw new BlError('PATHSPEC_NO_MATCH', `'${rawPaths[0]}' is not in conflict`, {hint: `Conflicted paths: ${op.conflicts.slice(0, 5).map((c) => c.path).join(', ')}.`, data: {conflicts: op.conflicts.map((c) => c.path)}})
  }
  await ensureContent(repo, picked.map((c) => (side === 'ours' ? c.ours : c.theirs)).flatMap((v) => (v && v.kind === 'file' ? [v.id] : [])))
  const index = loadIndex(repo)
  const updates: IndexEntry[] = []
  const deletes = new Set<string>()
  const now = repo.nowMs()
  const result: ResolveResult = {side, resolved: []}
  for (const c of picked) {
    const chosen = side === 'ours' ? c.ours : c.theirs
    // Every other place this conflict occupies goes away (a rename's other path, a blocking file),
    // but only where it holds this conflict's version: an unrelated file there stays.
    const versions = [c.base, c.ours, c.theirs].filter((v) => v !== undefined)
    for (const p of new Set([c.path, c.ours?.path, c.theirs?.path])) {
      if (!p || p === chosen?.path) continue
      const idx = index.get(p)
      if (idx && !versions.some((v) => v.path === p && v.id === idx.id)) continue
      if (idx) deletes.add(p)
      removeEntry(repo, p)
    }
    if (chosen) {
      // A directory where the chosen file goes: its tracked files give way (the user chose this side).
      for (const p of index.keys()) {
        if (p.startsWith(chosen.path + '/')) {
          deletes.add(p)
          removeEntry(repo, p)
        }
      }
      const st = writeEntry(repo, chosen.path, chosen)
      deletes.delete(chosen.path)
      updates.push(makeEntry(chosen.path, st, {id: chosen.id, size: chosen.size}, now))
      result.resolved.push({path: c.path, kind: c.kind, result: 'written'})
    } else result.resolved.push({path: c.path, kind: c.kind, result: 'deleted'})
  }
  dateEntries(repo, updates)
  repo.store.transaction(
    () => {
      for (const p of deletes) repo.store.deleteIndexEntry(p)
      for (const e of updates) repo.store.putIndexEntry(e)
      writeOperation(repo, {...op, conflicts: op.conflicts.filter((c) => !picked.includes(c))})
    },
    {durable: true},
  )
  return result
}
