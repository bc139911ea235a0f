/**
 * Resolving conflicts by picking a side (`bl checkout --ours|--theirs <path>`): the chosen
 * version goes into the work tree and the index (or the path goes away when that side deleted it),
 * the other side's copy at another path (a rename) is removed, and the conflict is marked resolved.
 */
import {ensureContent} from './content.js'
import {BlError} from '../errors.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import fs from 'node:fs'
import path from 'node:path'
import {clockDevice, dateEntries, holdsIndexContent, loadIndex, makeEntry} from '../worktree/index-state.js'
import {removeEntry, writeEntry} from '../worktree/materialize.js'
import {absPath, quotePath, safeLstat, toRepoPath, underSpec} from '../worktree/paths.js'
import {readOperation, writeOperation, type Conflict, type ConflictSide} from './operation-state.js'

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
  const matches = (c: Conflict, s: string): boolean => underSpec(c.path, s) || [c.ours?.path, c.theirs?.path].some((q) => q !== undefined && underSpec(q, s))
  // Every path named must be in conflict, as Git requires: nothing is resolved otherwise.
  const stray = specs.findIndex((s) => !op.conflicts.some((c) => matches(c, s)))
  if (stray >= 0) {
    throw new BlError('PATHSPEC_NO_MATCH', `'${rawPaths[stray]}' is not in conflict`, {hint: `Conflicted paths: ${op.conflicts.slice(0, 5).map((c) => c.path).join(', ')}.`, data: {conflicts: op.conflicts.map((c) => c.path)}})
  }
  const picked = op.conflicts.filter((c) => specs.some((s) => matches(c, s)))
  // A file merged with markers sits where the merge put it (following a rename): the chosen
  // version replaces it there, as in Git, instead of undoing the other side's move.
  const chosenOf = (c: Conflict): ConflictSide | undefined => {
    const v = side === 'ours' ? c.ours : c.theirs
    return v && c.markers ? {...v, path: c.path} : v
  }
  const index = loadIndex(repo)
  const blocked = inTheWay(repo, index, picked.map((c) => chosenOf(c)).flatMap((v) => (v ? [v.path] : [])))
  if (blocked.length)
    throw new BlError('LOCAL_CHANGES', `taking ${side} would overwrite ${blocked.length === 1 ? quotePath(blocked[0]!) : `${blocked.length} files (${blocked.slice(0, 3).map(quotePath).join(', ')}${blocked.length > 3 ? ', ...' : ''})`}, not tracked or changed`, {
      hint: 'Move those files away (or commit them once the operation is done), then pick the side again.',
      data: {paths: blocked},
    })
  // Taking a side that deleted a path (or moved it) removes the other copy: not when it was edited.
  const clockDev = clockDevice(repo)
  const edited = picked
    .flatMap((c) => {
      const chosen = chosenOf(c)
      return [c.path, c.ours?.path, c.theirs?.path].filter((p): p is string => p !== undefined && p !== chosen?.path)
    })
    .filter((p) => {
      const idx = index.get(p)
      const st = idx && safeLstat(absPath(repo, p))
      return Boolean(idx && st && !st.isDirectory() && !holdsIndexContent(repo, idx, st, clockDev))
    })
  if (edited.length)
    throw new BlError('LOCAL_CHANGES', `taking ${side} would delete your edits to ${quotePath(edited[0]!)}${edited.length > 1 ? ` and ${edited.length - 1} more` : ''}`, {
      hint: `Keep the edited file with \`bl add ${edited[0]}\` (that resolves it), or restore it first.`,
      data: {paths: [...new Set(edited)]},
    })
  await ensureContent(repo, picked.map((c) => chosenOf(c)).flatMap((v) => (v && v.kind === 'file' ? [v.id] : [])))
  const updates: IndexEntry[] = []
  const deletes = new Set<string>()
  const now = repo.nowMs()
  const result: ResolveResult = {side, resolved: []}
  for (const c of picked) {
    const chosen = chosenOf(c)
    // Every other place this conflict occupies goes away (a rename's other path, a blocking file),
    // but only where it holds this conflict's version: an unrelated file there stays.
    const versions = [c.base, c.ours, c.theirs].filter((v) => v !== undefined)
    for (const p of new Set([c.path, c.ours?.path, c.theirs?.path])) {
      if (!p || p === chosen?.path) continue
      const idx = index.get(p)
      // Only what the index tracks as this conflict's version goes: an untracked file there stays.
      if (!idx || !versions.some((v) => v.path === p && v.id === idx.id)) continue
      deletes.add(p)
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

/**
 * What writing the chosen versions at `targets` would destroy: an untracked file at a target, and
 * in a directory standing where a chosen file goes, untracked files and tracked ones changed since
 * they were staged (the directory's tracked files give way, but not the user's edits).
 */
function inTheWay(repo: Repo, index: Map<string, IndexEntry>, targets: string[]): string[] {
  const out: string[] = []
  const clockDev = clockDevice(repo)
  for (const t of targets) {
    const st = safeLstat(absPath(repo, t))
    if (!st) continue
    if (!st.isDirectory()) {
      if (!index.has(t)) out.push(t)
      continue
    }
    for (const e of fs.readdirSync(absPath(repo, t), {withFileTypes: true, recursive: true})) {
      if (e.isDirectory()) continue
      const rel = path.relative(repo.root, path.join(e.parentPath, e.name)).split(path.sep).join('/')
      const idx = index.get(rel)
      const fst = fs.lstatSync(absPath(repo, rel))
      if (!idx || !holdsIndexContent(repo, idx, fst, clockDev)) out.push(rel)
    }
  }
  return out.sort()
}

