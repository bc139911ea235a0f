/**
 * bl mv: move or rename tracked files and directories in the work tree and the index together, as
 * `git mv` does. The content ids do not change, so the next commit records a rename and no byte
 * is read again: a moved file keeps its (re-dated) stat-cache entry.
 */
import fs from 'node:fs'
import {BlError, fsError} from '../errors.js'
import {portableNameProblem} from '../objects/path-rules.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import {dateEntries, loadIndex, makeEntry} from '../worktree/index-state.js'
import {absPath, quotePath, safeLstat, toRepoPath, underSpec} from '../worktree/paths.js'
import {hasSymlinkParent} from '../worktree/scan.js'
import {conflictPaths, readOperation} from './operation-state.js'
import {viewWorktree} from './snapshot.js'

export interface MvOptions {
  /** Sources, then the destination last (as given on the command line). */
  paths: string[]
  force?: boolean
  dryRun?: boolean
  /** Skip sources that cannot be moved instead of failing (Git's -k). */
  skipErrors?: boolean
}

export interface MvResult {
  /** One row per source moved: [from, to] as repository paths. */
  moved: Array<{from: string; to: string}>
  /** With skipErrors: sources left where they are, and why. */
  skipped: Array<{path: string; reason: string}>
}

interface Move {
  from: string
  to: string
  /** Index entries moving with it: old path -> new path. */
  entries: Array<[string, string]>
  /** Present in the work tree (a not-checked-out entry of a sparse tree moves in the index only). */
  onDisk: boolean
}

function refuse(message: string, raw: string, hint: string): BlError {
  return new BlError('INVALID_ARGUMENT', message, {hint, data: {path: raw}})
}

export function mv(repo: Repo, opts: MvOptions): MvResult {
  if (opts.paths.length < 2) throw new BlError('INVALID_ARGUMENT', 'a source and a destination are needed', {hint: 'Usage: bl mv [-f] [-n] [-k] <source>... <destination>'})
  const sources = opts.paths.slice(0, -1)
  const rawDst = opts.paths.at(-1)!
  const dst = toRepoPath(repo, rawDst)
  const dstStat = safeLstat(absPath(repo, dst))
  const intoDir = dstStat?.isDirectory() ?? false
  if (sources.length > 1 && !intoDir) throw refuse(`destination '${rawDst}' is not a directory`, rawDst, 'Moving several sources needs an existing directory as the destination.')
  // `dir/` names a directory, as in Git: never a new file called `dir`.
  if (!intoDir && rawDst.endsWith('/')) throw refuse(`destination directory '${rawDst}' does not exist`, rawDst, `Create it first (\`mkdir -p ${rawDst}\`), or drop the slash to rename.`)
  const index = loadIndex(repo)
  const conflicted = conflictPaths(readOperation(repo)?.conflicts ?? [])
  const moves: Move[] = []
  const skipped: MvResult['skipped'] = []
  const claimed = new Set<string>()
  for (const raw of sources) {
    try {
      const m = planOne(repo, index, conflicted, raw, intoDir ? (dst === '' ? '' : dst + '/') : null, dst, opts.force ?? false, claimed)
      moves.push(m)
      claimed.add(m.to)
    } catch (err) {
      if (!opts.skipErrors || !(err instanceof BlError)) throw err
      skipped.push({path: raw, reason: err.message})
    }
  }
  const moved = moves.map((m) => ({from: m.from, to: m.to}))
  if (opts.dryRun || moves.length === 0) return {moved, skipped}
  apply(repo, index, moves)
  return {moved, skipped}
}

function planOne(repo: Repo, index: Map<string, IndexEntry>, conflicted: Set<string>, raw: string, dirPrefix: string | null, dst: string, force: boolean, claimed: Set<string>): Move {
  const from = toRepoPath(repo, raw)
  if (from === '') throw refuse(`cannot move the whole work tree`, raw, 'Move the files inside it instead.')
  const to = dirPrefix !== null ? dirPrefix + from.slice(from.lastIndexOf('/') + 1) : dst
  const st = safeLstat(absPath(repo, from))
  const tracked = index.has(from)
  const under = tracked ? [] : [...index.keys()].filter((p) => underSpec(p, from))
  if (!tracked && under.length === 0) {
    throw st
      ? refuse(`not under version control: '${raw}'`, raw, `Track it first with \`bl add ${raw}\`, or move it with the shell.`)
      : refuse(`bad source: '${raw}' does not exist`, raw, '`bl status` shows what is tracked.')
  }
  if (to === from) throw refuse(`can not move '${raw}' onto itself`, raw, 'Give another destination.')
  if (to.startsWith(from + '/')) throw refuse(`can not move directory '${raw}' into itself`, raw, 'Give a destination outside it.')
  const problem = to.split('/').map((n) => portableNameProblem(n)?.reason).find((p) => p)
  if (problem) throw new BlError('BAD_PATH_NAME', `cannot move to ${quotePath(to)}: ${problem}`, {hint: 'Pick another name.', data: {path: to}})
  const conflict = tracked ? conflicted.has(from) : under.some((p) => conflicted.has(p))
  if (conflict) throw refuse(`'${raw}' is conflicted`, raw, 'Resolve the conflict first (`bl checkout --ours|--theirs`, or edit and `bl add`).')
  if (claimed.has(to)) throw refuse(`multiple sources for the same destination ${quotePath(to)}`, raw, 'Give each source its own destination.')
  if (hasSymlinkParent(repo, to) || hasSymlinkParent(repo, from)) throw new BlError('UNSAFE_PATH', `${quotePath(hasSymlinkParent(repo, to) ? to : from)} is beyond a symbolic link`, {hint: 'bl never follows links in the work tree; give the real directory.', data: {path: raw}})
  const parent = to.includes('/') ? to.slice(0, to.lastIndexOf('/')) : ''
  const parentStat = parent === '' ? undefined : safeLstat(absPath(repo, parent))
  if (parent !== '' && !parentStat?.isDirectory()) throw refuse(`destination directory '${parent}' does not exist`, raw, `Create it first (\`mkdir -p ${parent}\`).`)
  const toStat = safeLstat(absPath(repo, to))
  const onDisk = st !== undefined
  if (toStat || index.has(to) || [...index.keys()].some((p) => underSpec(p, to))) {
    // Git's -f: a file (tracked or not) in the way of a file is overwritten; a directory never.
    const fileOverFile = tracked && (!toStat || !toStat.isDirectory()) && ![...index.keys()].some((p) => p.startsWith(to + '/'))
    if (!force || !fileOverFile) throw refuse(`destination exists: ${quotePath(to)}`, raw, force ? 'A directory is never overwritten; move or remove it first.' : 'Use -f to overwrite a file.')
  }
  const entries: Array<[string, string]> = tracked ? [[from, to]] : under.map((p) => [p, to + p.slice(from.length)])
  return {from, to, entries, onDisk}
}

/**
 * Renames on disk, then moves the index entries, all while holding the write lock: a rename that
 * fails undoes the ones before it, so the work tree and the index never disagree about a move.
 */
function apply(repo: Repo, index: Map<string, IndexEntry>, moves: Move[]): void {
  // Which moved files are unmodified: their entries keep the stat cache (re-dated after the move).
  const view = viewWorktree(repo, index, moves.map((m) => m.from), false)
  const done: Move[] = []
  let current: Move | undefined
  try {
    repo.store.transaction(
      () => {
        for (const m of moves) {
          if (!m.onDisk) continue
          current = m
          fs.renameSync(absPath(repo, m.from), absPath(repo, m.to))
          done.push(m)
        }
        const entries: IndexEntry[] = []
        const fresh: IndexEntry[] = []
        for (const m of moves) {
          for (const [oldPath, newPath] of m.entries) {
            const e = index.get(oldPath)!
            const st = m.onDisk ? safeLstat(absPath(repo, newPath)) : undefined
            if (!st || e.mtime === 0) {
              entries.push({...e, path: newPath})
              continue
            }
            // The staged version moves; the stat fields are the file's at its new place. Unmodified,
            // it is dated now, so status trusts its stat; modified, checked = 0 re-hashes it.
            const entry: IndexEntry = {...makeEntry(newPath, st, {id: e.id, size: e.size}, 0), kind: e.kind, exec: e.exec}
            if (view.clean.has(oldPath)) fresh.push(entry)
            entries.push(entry)
          }
        }
        dateEntries(repo, fresh)
        for (const m of moves) for (const [oldPath] of m.entries) repo.store.deleteIndexEntry(oldPath)
        for (const e of entries) repo.store.putIndexEntry(e)
      },
      {durable: true},
    )
  } catch (err) {
    // The index did not change (the transaction rolled back): put the files back where it has them.
    for (const m of done.reverse()) {
      try {
        fs.renameSync(absPath(repo, m.to), absPath(repo, m.from))
      } catch {
        // Left at its new place: status then shows it as deleted + untracked, nothing is lost.
      }
    }
    throw err instanceof BlError || !current ? err : fsError(err, current.from, 'moving')
  }
}
