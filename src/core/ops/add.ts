/**
 * bl add: stores the content of the named paths and records it in the index. A directory (or -A)
 * also stages deletions of tracked files that are gone, as `git add <dir>` does.
 */
import {absentByDesign, readSparse} from '../worktree/sparse.js'
import fs from 'node:fs'
import {collisionKey, symlinkTargetProblem} from '../objects/path-rules.js'
import {BlError, fsError} from '../errors.js'
import type {Repo} from '../repo.js'
import type {IndexEntry} from '../store/types.js'
import {clockAfter, clockDevice, loadIndex, makeEntry, statClean, worktreeId} from '../worktree/index-state.js'
import type {FileStat} from '../worktree/dir-reader.js'
import {Ingestor, type IngestProgress} from '../worktree/ingest.js'
import {absPath, isGlob, safeLstat, toRepoPath, underAny, underSpec} from '../worktree/paths.js'
import {ancestorDirs, scanWorktree} from '../worktree/scan.js'
import {IgnoreRules} from '../worktree/ignore-rules.js'
import {markResolved} from './operation-state.js'

export interface AddOptions {
  paths: string[]
  all?: boolean
  /** Git's -u: only files already tracked (their changes and deletions), never new ones; whole tree without paths. */
  update?: boolean
  force?: boolean
  dryRun?: boolean
  /** Totals once the scan is done, then each file stored and the bytes read (symlinks are not counted). */
  progress?: IngestProgress
}

export interface AddResult {
  added: string[]
  updated: string[]
  removed: string[]
  unchanged: number
  bytesRead: number
  bytesStored: number
}

export async function add(repo: Repo, opts: AddOptions): Promise<AddResult> {
  if (opts.all && opts.update) throw new BlError('INVALID_ARGUMENT', '-A and -u are mutually incompatible', {hint: '-A stages new files too; -u only what is tracked.'})
  if (!opts.all && !opts.update && opts.paths.length === 0)
    throw new BlError('INVALID_ARGUMENT', 'nothing specified, nothing added', {hint: 'Give paths (e.g. `bl add .`) or use `bl add -A` (or -u for tracked files only).'})
  const specs = (opts.all || opts.update) && opts.paths.length === 0 ? [''] : opts.paths.map((p) => toRepoPath(repo, p))
  // As in Git, `name/` names a directory: a file or symlink there does not match it.
  opts.paths.forEach((raw, i) => {
    if (raw.endsWith('/') && specs[i] !== '' && safeLstat(absPath(repo, specs[i]!))?.isDirectory() === false)
      throw new BlError('PATHSPEC_NO_MATCH', `pathspec '${raw}' did not match any files`, {hint: `'${specs[i]}' is not a directory; drop the trailing slash.`, data: {path: raw}})
  })
  return stage(repo, specs, {...opts, onlyTracked: opts.update})
}

export interface StageOptions {
  force?: boolean
  dryRun?: boolean
  /** Stage only paths already in the index (commit -a, commit <paths>), never new files. */
  onlyTracked?: boolean
  /** Paths to treat as tracked although the index lacks them (commit <paths>: files of HEAD). */
  alsoTracked?: Iterable<string>
  progress?: AddOptions['progress']
}

function unchangedContent(repo: Repo, old: IndexEntry, p: string, st: FileStat): boolean {
  const e = makeEntry(p, st, worktreeId(repo, p, st), 0)
  return e.id === old.id && e.kind === old.kind && e.exec === old.exec
}

/** Stages everything under `specs` (shared by add and commit -a / commit <paths>). */
export async function stage(repo: Repo, specs: string[], opts: StageOptions): Promise<AddResult> {
  if (opts.dryRun) return stageUnderLease(repo, specs, opts)
  // The lease tells a concurrent gc that objects written here are about to become reachable.
  repo.holdLease('add')
  return stageUnderLease(repo, specs, opts)
}

async function stageUnderLease(repo: Repo, specs: string[], opts: StageOptions): Promise<AddResult> {
  const index = loadIndex(repo)
  const tracked = new Set(index.keys())
  for (const p of opts.alsoTracked ?? []) tracked.add(p)
  checkSpecsExist(repo, specs, tracked, opts.force ?? false)
  const scan = scanWorktree(repo, {
    specs,
    tracked,
    trackedDirs: ancestorDirs(tracked),
    needStat: () => true,
    // `add -f dir` and `add -f -A` take the ignored files too, as `git add -f`.
    includeIgnored: opts.force ?? false,
  })
  const wanted = opts.onlyTracked ? scan.files.filter((f) => tracked.has(f.path)) : scan.files
  if (!opts.onlyTracked && scan.invalid.length > 0) {
    const bad = scan.invalid[0]!
    throw new BlError('BAD_PATH_NAME', `cannot add ${JSON.stringify(bad.path)}: ${bad.problem}`, {
      hint: 'Rename the file, or add it to .blignore.',
      data: {paths: scan.invalid},
    })
  }
  const result: AddResult = {added: [], updated: [], removed: [], unchanged: 0, bytesRead: 0, bytesStored: 0}
  repo.prepareBulkWrites()
  const ingestor = new Ingestor(repo.store, opts.progress)
  const updates: IndexEntry[] = []
  const present = new Set<string>()
  const jobs: Array<{f: (typeof wanted)[number]; old: IndexEntry | undefined}> = []
  for (const f of wanted) {
    present.add(f.path)
    const old = index.get(f.path)
    if (old && statClean(old, f.st!, clockDevice(repo))) {
      result.unchanged++
      continue
    }
    if (opts.dryRun) {
      // A tracked file whose stat only looks new (racy, touched) is hashed: -n lists real changes, as Git's.
      if (old && unchangedContent(repo, old, f.path, f.st!)) result.unchanged++
      else (old ? result.updated : result.added).push(f.path)
      continue
    }
    jobs.push({f, old})
  }
  // Read before any file is hashed, so a file written while it is hashed stays racy; but after
  // the tick of the newest file's last write, so a file written just before the add is not.
  const checked = jobs.length ? clockAfter(repo, jobs.reduce((m, j) => Math.max(m, j.f.st!.mtimeMs), -Infinity)) : 0
  const files = jobs.filter((j) => j.f.kind === 'file')
  opts.progress?.onTotals?.(files.length, files.reduce((n, j) => n + j.f.st!.size, 0))
  const fileResults = await ingestor.addFiles(files.map((j) => ({abs: absPath(repo, j.f.path), path: j.f.path, size: j.f.st!.size})))
  const resultOf = new Map(files.map((j, i) => [j.f.path, fileResults[i]!]))
  for (const {f, old} of jobs) {
    let res = resultOf.get(f.path)
    if (!res) {
      let target: string
      try {
        target = fs.readlinkSync(absPath(repo, f.path))
      } catch (err) {
        throw fsError(err, f.path, 'reading')
      }
      // A link out of the work tree would be refused by every checkout: refuse to store it.
      const escape = symlinkTargetProblem(f.path, target)
      if (escape) throw new BlError('BAD_PATH_NAME', `cannot add ${JSON.stringify(f.path)}: ${escape.reason}`, {hint: 'Make the link relative and inside the repository, copy the data in, or add the link to .blignore.', data: {path: f.path, rule: escape.rule}})
      res = ingestor.addSymlink(target)
    }
    const entry = makeEntry(f.path, f.st!, res, checked)
    if (old && old.id === entry.id && old.kind === entry.kind && old.exec === entry.exec) result.unchanged++
    else (old ? result.updated : result.added).push(f.path)
    updates.push(entry)
  }
  // Tracked files under the pathspecs that are gone from the work tree: stage their deletion.
  const removals: string[] = []
  const sparse = readSparse(repo)
  for (const [p, e] of index) if (!present.has(p) && underAny(p, specs) && !absentByDesign(sparse, p, e) && goneFromWorktree(repo, p)) removals.push(p)
  for (const p of displacedBy(tracked, updates, removals)) removals.push(p)
  refuseCaseCollisions(index, updates, removals)
  result.removed = removals
  result.bytesRead = ingestor.bytesRead
  if (opts.dryRun) return result
  ingestor.finishChunks()
  // After finishChunks: the last segment is only written (and counted) there.
  result.bytesStored = ingestor.bytesStored
  repo.store.transaction(
    () => {
      ingestor.flushObjects()
      for (const e of updates) repo.store.putIndexEntry(e)
      for (const p of removals) repo.store.deleteIndexEntry(p)
      // Staging a conflicted path is how its conflict is resolved, as in Git.
      markResolved(repo, specs, removals)
    },
    {durable: true},
  )
  return result
}

/**
 * A tracked file or link is gone when nothing is at its path, or a directory (or another kind of
 * file) now is (the index holds no directories). A dangling symlink is still there.
 */
function goneFromWorktree(repo: Repo, p: string): boolean {
  try {
    const st = fs.lstatSync(absPath(repo, p), {throwIfNoEntry: false})
    // A FIFO, socket or device there is no file bl can store: the tracked one is gone (status says D).
    return !st || st.isDirectory() || (!st.isFile() && !st.isSymbolicLink())
  } catch (err) {
    // A parent that is now a file (ENOTDIR): the path is gone.
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return true
    throw fsError(err, p, 'checking')
  }
}

/**
 * Tracked paths a staged entry replaces, as `git add` replaces them: a tracked file where a staged
 * path needs a directory (`f` once `f/inner` is staged), and tracked paths under a path staged as a
 * file. Left in the index they would make a tree with a file and a directory of the same name.
 */
function displacedBy(tracked: Set<string>, updates: IndexEntry[], removals: string[]): string[] {
  // Only a path new to the index can clash with one in it (the index never holds both).
  const staged = new Set(updates.map((e) => e.path).filter((p) => !tracked.has(p)))
  if (staged.size === 0) return []
  const gone = new Set(removals)
  const out = new Set<string>()
  const ancestors = (p: string): string[] => {
    const parts = p.split('/')
    return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'))
  }
  for (const p of staged) for (const a of ancestors(p)) if (tracked.has(a) && !gone.has(a)) out.add(a)
  for (const t of tracked) if (!staged.has(t) && !gone.has(t) && ancestors(t).some((a) => staged.has(a))) out.add(t)
  return [...out]
}

/**
 * A new path that differs from a path (or directory) already in the index only by case or Unicode
 * normalization makes a tree every checkout refuses (tree-safety.ts), so it is refused here too.
 * The work-tree scan catches two such names side by side on disk; this catches a name added on its
 * own while the other spelling is only in the index.
 */
function refuseCaseCollisions(index: Map<string, IndexEntry>, updates: IndexEntry[], removals: string[]): void {
  const fresh = updates.filter((e) => !index.has(e.path))
  if (fresh.length === 0) return
  const gone = new Set(removals)
  const spelled = new Map<string, string>()
  const note = (p: string): string | undefined => {
    // The path and each of its directories, keyed by their folded spelling.
    let clash: string | undefined
    for (let i = p.indexOf('/'); ; i = p.indexOf('/', i + 1)) {
      const prefix = i < 0 ? p : p.slice(0, i)
      const key = collisionKey(prefix)
      const seen = spelled.get(key)
      if (seen === undefined) spelled.set(key, prefix)
      else if (seen !== prefix) clash ??= seen
      if (i < 0) return clash
    }
  }
  // Only index paths under a top-level name that folds like a new path's can clash (a cheap
  // filter: ~30 ms for a 50,000-file index, against ~80 ms for noting every path).
  const top = (p: string): string => collisionKey(p.slice(0, (p.indexOf('/') + 1 || p.length + 1) - 1))
  const tops = new Set(fresh.map((e) => top(e.path)))
  for (const p of index.keys()) if (!gone.has(p) && tops.has(top(p))) note(p)
  for (const e of fresh) {
    const other = note(e.path)
    if (other !== undefined)
      throw new BlError('BAD_PATH_NAME', `cannot add ${JSON.stringify(e.path)}: the name collides with ${JSON.stringify(other)} on case-insensitive or normalizing file systems`, {
        hint: `Rename one of them, or remove ${JSON.stringify(other)} first (\`bl rm --cached\`).`,
        data: {path: e.path, other},
      })
  }
}

/** Git's "pathspec did not match any files" and "paths are ignored" checks. */
function checkSpecsExist(repo: Repo, specs: string[], tracked: Set<string>, force: boolean): void {
  const rules = new IgnoreRules(repo.root)
  for (const s of specs) {
    if (s === '') continue
    if (isGlob(s)) {
      if (![...tracked].some((t) => underSpec(t, s)) && scanWorktree(repo, {specs: [s], tracked, trackedDirs: new Set(), needStat: () => false}).files.length === 0)
        throw new BlError('PATHSPEC_NO_MATCH', `pathspec '${s}' did not match any files`, {hint: 'Check the pattern; `*` also matches across directories, as in Git.', data: {path: s}})
      continue
    }
    // bl never follows a symlink: a path through one names nothing it can add (Git says the same).
    for (let i = s.indexOf('/'); i > 0; i = s.indexOf('/', i + 1)) {
      let link = false
      try {
        link = fs.lstatSync(absPath(repo, s.slice(0, i)), {throwIfNoEntry: false})?.isSymbolicLink() ?? false
      } catch {
        break // a file where a directory goes (ENOTDIR): nothing further down exists
      }
      if (link)
        throw new BlError('INVALID_ARGUMENT', `'${s}' is beyond a symbolic link (${s.slice(0, i)})`, {hint: `Add the link itself (\`bl add ${s.slice(0, i)}\`); bl stores links, never what they point to.`, data: {path: s}})
    }
    let exists = true
    let isDir = false
    try {
      const st = fs.lstatSync(absPath(repo, s))
      isDir = st.isDirectory()
      if (!isDir && !st.isFile() && !st.isSymbolicLink())
        throw new BlError('INVALID_ARGUMENT', `'${s}' is not a regular file, symbolic link or directory`, {hint: 'bl can only add regular files, symbolic links and directories; add it to .blignore to silence it.', data: {path: s}})
    } catch (err) {
      if (err instanceof BlError) throw err
      exists = false
    }
    const isTracked = tracked.has(s) || [...tracked].some((t) => t.startsWith(s + '/'))
    if (!exists && !isTracked)
      throw new BlError('PATHSPEC_NO_MATCH', `pathspec '${s}' did not match any files`, {hint: 'Check the path; `bl status` lists what can be added.', data: {path: s}})
    if (exists && !isTracked && !force && rules.ignores(s, isDir))
      throw new BlError('INVALID_ARGUMENT', `'${s}' is ignored by .blignore`, {hint: 'Use `bl add -f` to add it anyway.', data: {path: s}})
  }
}
