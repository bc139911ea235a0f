/**
 * Resolving conflicts by picking a side (`bl checkout --ours|--theirs <path>`): the chosen
 * version goes into the work tree and the index (or the path goes away when that side deleted it),
 * the other side's copy at another path (a rename) is removed, and the conflict is marked resolved.
 * And the way back from a botched resolution (`bl checkout -m|--conflict=<style> <path>`): the
 * conflicted file merged again, with markers, in the style asked for.
 */
import {ensureContent} from './content.js'
import {BlError} from '../errors.js'
import {conflictStyle, mergeFileWithContent} from '../merge/content-merge.js'
import type {ConflictStyle} from '../merge/merge-text.js'
import {EMPTY_FILE} from '../merge/three-way.js'
import {readHead} from '../refs/refs.js'
import {commitTree} from './snapshot.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import fs from 'node:fs'
import path from 'node:path'
import {clockDevice, dateEntries, holdsIndexContent, loadIndex, makeEntry} from '../worktree/index-state.js'
import {removeEntry, writeEntry} from '../worktree/materialize.js'
import {absPath, quotePath, safeLstat, toRepoPath, underSpec} from '../worktree/paths.js'
import {readOperation, writeOperation, type Conflict, type ConflictSide, type OperationState} from './operation-state.js'

export interface ResolveResult {
  side: 'ours' | 'theirs'
  resolved: Array<{path: string; kind: Conflict['kind']; result: 'written' | 'deleted'}>
}

export async function checkoutSide(repo: Repo, rawPaths: string[], side: 'ours' | 'theirs'): Promise<ResolveResult> {
  const {op, picked} = namedConflicts(repo, rawPaths, `--${side}`, `--${side} picks a side of a conflicted path during a merge, cherry-pick, revert or rebase.`)
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
 * The conflicts the paths name (at the conflict's path or either side's), with the operation.
 * Every path named must be in conflict, as Git requires: nothing is done otherwise.
 */
function namedConflicts(repo: Repo, rawPaths: string[], flag: string, noConflictsHint: string): {op: OperationState; picked: Conflict[]} {
  if (rawPaths.length === 0) throw new BlError('INVALID_ARGUMENT', `${flag} needs the conflicted paths`, {hint: `e.g. \`bl checkout ${flag} data.csv\` (\`bl status\` lists the conflicts).`})
  const op = readOperation(repo)
  if (!op || op.conflicts.length === 0)
    throw new BlError('NO_OPERATION', 'there are no conflicts to resolve', {hint: noConflictsHint})
  const specs = rawPaths.map((p) => toRepoPath(repo, p))
  const matches = (c: Conflict, s: string): boolean => underSpec(c.path, s) || [c.ours?.path, c.theirs?.path].some((q) => q !== undefined && underSpec(q, s))
  const stray = specs.findIndex((s) => !op.conflicts.some((c) => matches(c, s)))
  if (stray >= 0) {
    throw new BlError('PATHSPEC_NO_MATCH', `'${rawPaths[stray]}' is not in conflict`, {hint: `Conflicted paths: ${op.conflicts.slice(0, 5).map((c) => c.path).join(', ')}.`, data: {conflicts: op.conflicts.map((c) => c.path)}})
  }
  return {op, picked: op.conflicts.filter((c) => specs.some((s) => matches(c, s)))}
}

export interface RemergeResult {
  style: ConflictStyle
  /** `markers`: stretches between markers now; 0 when the file is not merged by lines (binary...): ours was written. */
  recreated: Array<{path: string; kind: Conflict['kind']; markers: number}>
}

/**
 * `bl checkout -m|--conflict=<style> <paths>`: each named conflict's file merged again from its
 * base, ours and theirs and written to the work tree and the index, with markers in `style`
 * (default merge.conflictStyle) labelled `ours`, `base` and `theirs`, as `git checkout -m` labels
 * them. The conflict stays to be resolved. Whatever the file held is replaced: this is the way back
 * from a resolution gone wrong. Only files both sides changed or added have a merge to re-create;
 * for the other kinds (deleted on one side, moved apart, a file against a directory) there is
 * nothing to merge and the command refuses, naming the side-picking that settles them.
 */
export async function recreateConflicts(repo: Repo, rawPaths: string[], style?: ConflictStyle): Promise<RemergeResult> {
  // Git's `checkout -m <branch>` also carries local changes across a switch by merging them; in
  // bl the stash does that, and -m only re-creates conflicts.
  const {op, picked} = namedConflicts(
    repo,
    rawPaths,
    '-m',
    '-m re-creates the merge of a file still in conflict during a merge, cherry-pick, revert or rebase (one resolved by `bl add` or `checkout --ours|--theirs` is not: abort and run the operation again to start over); to take local changes to another branch: `bl stash`, `bl switch <branch>`, `bl stash pop`.',
  )
  const chosenStyle = style ?? conflictStyle(repo)
  // What the merge merged by content: both sides' files, not moved apart (the same condition as
  // mergeTrees: for a rename apart there is no one file to merge, as Git has no stages for it).
  const versions = (c: Conflict): {base: ConflictSide; ours: ConflictSide; theirs: ConflictSide} | undefined => {
    const base = c.kind === 'both-added' ? {...EMPTY_FILE, path: c.path} : c.base
    if ((c.kind !== 'both-modified' && c.kind !== 'both-added') || !base || !c.ours || !c.theirs) return undefined
    if (c.ours.path !== c.theirs.path && c.ours.path !== base.path && c.theirs.path !== base.path) return undefined
    return [base, c.ours, c.theirs].every((v) => v.kind === 'file') ? {base, ours: c.ours, theirs: c.theirs} : undefined
  }
  const unmergeable = picked.find((c) => !versions(c))
  if (unmergeable)
    throw new BlError('INVALID_ARGUMENT', `${quotePath(unmergeable.path)} has no merge to re-create (${unmergeable.kind}${unmergeable.ours && unmergeable.theirs && unmergeable.ours.path !== unmergeable.theirs.path ? `, moved to ${quotePath(unmergeable.ours.path)} and ${quotePath(unmergeable.theirs.path)}` : ''})`, {
      hint: `Only files both sides changed are merged; pick a side with \`bl checkout --ours|--theirs ${unmergeable.path}\`.`,
      data: {path: unmergeable.path, kind: unmergeable.kind},
    })
  const index = loadIndex(repo)
  const blocked = inTheWay(repo, index, picked.map((c) => c.path))
  if (blocked.length)
    throw new BlError('LOCAL_CHANGES', `re-creating the merge would overwrite ${blocked.length === 1 ? quotePath(blocked[0]!) : `${blocked.length} files (${blocked.slice(0, 3).map(quotePath).join(', ')}${blocked.length > 3 ? ', ...' : ''})`}, not tracked or changed`, {
      hint: 'Move those files away, then run it again.',
      data: {paths: blocked},
    })
  const oursTree = commitTree(repo, readHead(repo).oid)
  const labels = {ours: 'ours', base: 'base', theirs: 'theirs'}
  const merged = new Map<Conflict, {entry: ConflictSide; markers: number}>()
  for (const c of picked) {
    const v = versions(c)!
    // Ours' path picks the attributes and the table merge, as in the merge.
    const m = await mergeFileWithContent(repo, oursTree, v.ours.path, v, {labels, style: chosenStyle})
    // Not merged by lines: ours in place, as the merge left it.
    merged.set(c, m ? {entry: {...v.ours, path: c.path, id: m.id, size: m.size}, markers: m.conflicts} : {entry: {...v.ours, path: c.path}, markers: 0})
  }
  await ensureContent(repo, [...merged.values()].map((m) => m.entry.id))
  const updates: IndexEntry[] = []
  const now = repo.nowMs()
  for (const [c, m] of merged) {
    const st = writeEntry(repo, c.path, m.entry)
    updates.push(makeEntry(c.path, st, {id: m.entry.id, size: m.entry.size}, now))
  }
  dateEntries(repo, updates)
  repo.store.transaction(
    () => {
      for (const e of updates) repo.store.putIndexEntry(e)
      const conflicts = op.conflicts.map((c) => {
        const m = merged.get(c)
        if (!m) return c
        const {markers: _, ...rest} = c
        return m.markers ? {...rest, markers: m.markers} : rest
      })
      writeOperation(repo, {...op, conflicts})
    },
    {durable: true},
  )
  return {style: chosenStyle, recreated: picked.map((c) => ({path: c.path, kind: c.kind, markers: merged.get(c)!.markers}))}
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

