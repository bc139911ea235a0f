/**
 * bl log: commits reachable from the given revisions and not from the excluded ones (`a..b`,
 * `^a b`, `a...b`), newest first (by committer time, ties by discovery), optionally only those that
 * changed a path (with Git's history simplification through merges). With a graph, also each
 * commit's parents among the commits shown, for drawing the lanes.
 */
import type {Change} from '../diff/diff.js'
import {renamedChanges, renameSource, type RenameOptions, type RenameSource} from '../diff/similarity.js'
import {BlError} from '../errors.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import type {Commit} from '../objects/commit.js'
import {loadCommit} from '../odb.js'
import {readHead, HEADS, TAGS, shortRef} from '../refs/refs.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {lookupPath} from '../tree-build.js'
import {diffTrees} from '../tree-ops.js'
import {toRepoPath, underAny} from '../worktree/paths.js'

export interface LogEntry {
  id: Oid
  parents: Oid[]
  tree: Oid
  author: Commit['author']
  committer: Commit['committer']
  message: string
  meta: Record<string, string>
  signed: boolean
  /** Branches and tags pointing here (short names). */
  refs: string[]
}

export function toLogEntry(id: Oid, c: Commit, refs: string[] = []): LogEntry {
  return {id, parents: c.parents, tree: c.tree, author: c.author, committer: c.committer, message: c.message, meta: c.meta, signed: c.signature !== undefined, refs}
}

const REMOTES = 'refs/remotes/'

export function refsByCommit(repo: Repo): Map<Oid, string[]> {
  const m = new Map<Oid, string[]>()
  const head = readHead(repo)
  // As Git decorates: local branches, remote-tracking branches (`origin/main`), then tags.
  for (const r of [...repo.store.listRefs(HEADS), ...repo.store.listRefs(REMOTES), ...repo.store.listRefs(TAGS)]) {
    if (!r.oid) continue
    const label = r.name === head.branch ? `HEAD -> ${shortRef(r.name)}` : r.name.startsWith(TAGS) ? `tag: ${shortRef(r.name)}` : r.name.startsWith(REMOTES) ? r.name.slice(REMOTES.length) : shortRef(r.name)
    ;(m.get(r.oid) ?? m.set(r.oid, []).get(r.oid)!).push(label)
  }
  if (!head.branch && head.oid) (m.get(head.oid) ?? m.set(head.oid, []).get(head.oid)!).unshift('HEAD')
  return m
}

export interface LogOptions {
  /** Revisions: `rev`, `^rev` (exclude), `a..b` (b ^a), `a...b` (either side, not both); default HEAD. */
  revs?: string[]
  maxCount?: number
  paths?: string[]
  /**
   * Only data commits made at this code commit (`git.commit` metadata, a full SHA-1 or a hex
   * prefix); without revisions, every branch, tag and remote-tracking branch is searched.
   */
  gitCommit?: string
  /** Every ref (branches, remote-tracking branches, tags, the stash) and HEAD, besides `revs`. */
  all?: boolean
  /** Follow only the first parent of merges (also when diffing a merge for `changes`). */
  firstParent?: boolean
  /** Regular expressions on `Name <email>`: a commit is kept when any matches (each field given must match). */
  authors?: string[]
  committers?: string[]
  /** Regular expressions on the message: any matches (all with `allMatch`; none with `invertGrep`). */
  grep?: string[]
  allMatch?: boolean
  invertGrep?: boolean
  ignoreCase?: boolean
  /** Committer time bounds, unix seconds (inclusive). */
  since?: number
  until?: number
  /** Leave out this many commits before listing. */
  skip?: number
  /** Oldest first (after `maxCount` and `skip` chose the commits, as in Git). */
  reverse?: boolean
  /** Each entry also gets `changes`, the diff against its first parent (none for a merge unless `firstParent`). */
  changes?: boolean
  /**
   * Git's --follow: with exactly one path, go on under the file's earlier name past a commit that
   * renamed it (also when it changed the file, see diff/similarity.ts); each entry gets `path`.
   */
  follow?: boolean
  /** Rename detection in `changes` (default on, Git's 50%); false: none. */
  renames?: RenameOptions | false
}

export interface LogEntryWithChanges extends LogEntry {
  /** Omitted for a merge (Git's log shows no diff for merges unless --first-parent). */
  changes?: Change[]
  /** With `follow`: the followed file's name in this commit. */
  path?: string
}

export interface LogGraph {
  entries: LogEntryWithChanges[]
  /**
   * For each entry, the parents to draw an edge to: its parents among the commits listed (with
   * paths, the nearest listed ancestors through the commits left out), so lanes join up.
   */
  edges: Oid[][]
}

export function log(repo: Repo, opts: LogOptions): LogEntryWithChanges[] {
  return walk(repo, opts, false).entries
}

/** bl log --graph: the commits in topological order (never a parent before a child), with edges. */
export function logGraph(repo: Repo, opts: LogOptions): LogGraph {
  return walk(repo, opts, true)
}

/** Splits revision arguments into the commits to start from and the commits to hide (with their ancestors). */
function parseRevs(repo: Repo, graph: CommitGraph, revs: string[], allRefs: boolean): {include: Oid[]; exclude: Oid[]} {
  const head = readHead(repo).oid
  const tips = allRefs ? [...(head ? [head] : []), ...repo.store.listRefs('refs/').flatMap((r) => (r.oid ? [r.oid] : []))] : []
  const include: Oid[] = [...new Set(tips)].filter((id) => repo.store.objectsWithPrefix(id, 1)[0]?.kind === 'commit')
  if (revs.length === 0) return {include: allRefs ? include : [resolveRevision(repo, 'HEAD')], exclude: []}
  const exclude: Oid[] = []
  const side = (r: string): Oid => resolveRevision(repo, r === '' ? 'HEAD' : r)
  for (const rev of revs) {
    const sym = rev.indexOf('...')
    const dots = rev.indexOf('..')
    if (sym >= 0) {
      const a = side(rev.slice(0, sym))
      const b = side(rev.slice(sym + 3))
      include.push(a, b)
      exclude.push(...graph.mergeBases(a, b))
    } else if (dots >= 0) {
      exclude.push(side(rev.slice(0, dots)))
      include.push(side(rev.slice(dots + 2)))
    } else if (rev.startsWith('^')) {
      if (rev.length === 1) throw new BlError('BAD_REVISION', 'a lone "^" names no revision', {hint: 'Write ^<rev>, e.g. ^main.', data: {rev}})
      exclude.push(resolveRevision(repo, rev.slice(1)))
    } else include.push(resolveRevision(repo, rev))
  }
  return {include, exclude}
}

function walk(repo: Repo, opts: LogOptions, withGraph: boolean): LogGraph {
  // One read snapshot: a consistent view of refs and commits, one lock for thousands of reads.
  return repo.store.snapshot(() => walkIn(repo, opts, withGraph))
}

function walkIn(repo: Repo, opts: LogOptions, withGraph: boolean): LogGraph {
  const graph = new CommitGraph(repo.store)
  const {include, exclude} = parseRevs(repo, graph, opts.revs ?? [], opts.all === true || (opts.gitCommit !== undefined && !opts.revs?.length))
  const paths = (opts.paths ?? []).map((p) => toRepoPath(repo, p))
  if (opts.follow && paths.length !== 1)
    throw new BlError('INVALID_ARGUMENT', `--follow needs exactly one path, got ${paths.length}`, {hint: 'Follow one file: bl log --follow -- data/labels.csv'})
  const code = opts.gitCommit?.toLowerCase()
  const firstParent = opts.firstParent === true
  const followAt = opts.renames === false ? undefined : opts.renames?.threshold
  const simplify = paths.length ? new PathHistory(repo, paths, firstParent, opts.follow === true, followAt) : undefined
  const matches = commitFilter(opts)
  const keep = (id: Oid, c: Commit): boolean =>
    (code === undefined || (c.meta['git.commit'] ?? '').startsWith(code)) && (!matches || matches(c)) && (!simplify || simplify.of(id, c).changed)
  // The parents the walk goes on to: with paths, a merge that kept one parent's version goes on to that parent only.
  const next = (id: Oid, c: Commit): Oid[] => (simplify ? simplify.of(id, c).follow : firstParent ? c.parents.slice(0, 1) : c.parents)
  const refs = refsByCommit(repo)
  const skip = opts.skip ?? 0
  const limit = (opts.maxCount ?? Infinity) + skip
  const finish = (entries: LogEntry[]): LogEntryWithChanges[] => {
    const out = entries.slice(skip).map((e): LogEntryWithChanges => {
      if (!opts.follow) return opts.changes ? {...e, changes: entryChanges(repo, e, firstParent, paths, opts.renames)} : e
      const path = simplify!.pathOf(e.id)
      return opts.changes ? {...e, path, changes: followedChanges(repo, e, firstParent, path, simplify!.renameAt(e.id), opts.renames)} : {...e, path}
    })
    return opts.reverse ? out.reverse() : out
  }
  if (exclude.length === 0 && !withGraph) return {entries: finish(walkByTime(repo, include, keep, next, limit, refs)), edges: []}
  // A range or a graph needs the whole set first (what is hidden, which parents are drawn).
  const all = graph.range(include, exclude)
  const ids = simplify || firstParent ? simplifiedRange(graph, all, include, next) : all
  const inSet = new Set(ids)
  const shown = new Set<Oid>()
  const entries: LogEntry[] = []
  // Past the limit, only a filtered graph still needs to know which commits are shown.
  const filtered = paths.length > 0 || code !== undefined || matches !== undefined
  const needAll = withGraph && filtered
  for (const id of ids) {
    if (entries.length >= limit && !needAll) break
    const c = graph.commit(id)
    if (filtered && !keep(id, c)) continue
    shown.add(id)
    if (entries.length < limit) entries.push(toLogEntry(id, c, refs.get(id)))
  }
  if (!withGraph) return {entries: finish(entries), edges: []}
  // Parents a commit left out by the path filter stands for: its nearest shown ancestors. Oldest
  // first, so every parent is settled before its children.
  const standsFor = new Map<Oid, Oid[]>()
  const through = (id: Oid): Oid[] => {
    const out = new Set<Oid>()
    for (const p of next(id, graph.commit(id))) if (inSet.has(p)) for (const x of standsFor.get(p)!) out.add(x)
    return [...out]
  }
  if (filtered) for (let i = ids.length - 1; i >= 0; i--) standsFor.set(ids[i]!, shown.has(ids[i]!) ? [ids[i]!] : through(ids[i]!))
  else for (const id of ids) standsFor.set(id, [id])
  const listed = finish(entries)
  return {entries: listed, edges: listed.map((e) => through(e.id))}
}

/** The author, committer, message and date filters as one test, or undefined when none is set. */
function commitFilter(opts: LogOptions): ((c: Commit) => boolean) | undefined {
  const flags = opts.ignoreCase ? 'i' : ''
  const compile = (what: string, patterns: string[] | undefined): RegExp[] =>
    (patterns ?? []).map((p) => {
      try {
        return new RegExp(p, flags)
      } catch (err) {
        throw new BlError('INVALID_ARGUMENT', `invalid ${what} pattern ${JSON.stringify(p)}: ${(err as Error).message}`, {hint: 'Patterns are regular expressions (JavaScript syntax); escape special characters with \\.', data: {pattern: p}})
      }
    })
  const authors = compile('--author', opts.authors)
  const committers = compile('--committer', opts.committers)
  const grep = compile('--grep', opts.grep)
  const {since, until} = opts
  if (!authors.length && !committers.length && !grep.length && since === undefined && until === undefined) return undefined
  const who = (s: Commit['author']): string => `${s.name} <${s.email}>`
  return (c) => {
    if (since !== undefined && c.committer.time < since) return false
    if (until !== undefined && c.committer.time > until) return false
    // As in Git: patterns for one field are alternatives; the fields given must all match.
    if (authors.length && !authors.some((r) => r.test(who(c.author)))) return false
    if (committers.length && !committers.some((r) => r.test(who(c.committer)))) return false
    if (!grep.length) return true
    const hit = opts.allMatch ? grep.every((r) => r.test(c.message)) : grep.some((r) => r.test(c.message))
    return hit !== (opts.invertGrep === true)
  }
}

/** What a commit changed against its first parent (against nothing for a root commit), renames paired; O(the change). */
export function firstParentChanges(repo: Repo, c: {parents: Oid[]; tree: Oid}, renames?: RenameOptions | false): Change[] {
  const parentTree = c.parents[0] ? loadCommit(repo.store, c.parents[0]).tree : null
  const {before, after} = diffTrees(repo.store, parentTree, c.tree)
  return renamedChanges(repo.store, before, after, renames)
}

/** What a listed commit changed against its first parent (paths limited to `paths`); none for a merge unless following first parents. */
function entryChanges(repo: Repo, e: LogEntry, firstParent: boolean, paths: string[], renames: RenameOptions | false | undefined): Change[] | undefined {
  if (e.parents.length > 1 && !firstParent) return undefined
  const changes = firstParentChanges(repo, e, renames)
  return paths.length ? changes.filter((c) => underAny(c.path, paths) || (c.oldPath !== undefined && underAny(c.oldPath, paths))) : changes
}

/**
 * entryChanges for --follow: the file under its name here, and where a commit renamed it, the
 * rename (paired by findRenames, as renameSource found it) or, with --no-renames, its old path.
 */
function followedChanges(repo: Repo, e: LogEntry, firstParent: boolean, path: string, rename: RenameSource | undefined, renames: RenameOptions | false | undefined): Change[] | undefined {
  return entryChanges(repo, e, firstParent, rename ? [path, rename.path] : [path], renames)
}

/** Commits reachable from `starts` (through `next`), newest first, stopping as soon as `limit` are found. */
function walkByTime(
  repo: Repo,
  starts: Oid[],
  keep: (id: Oid, c: Commit) => boolean,
  next: (id: Oid, c: Commit) => Oid[],
  limit: number,
  refs: Map<Oid, string[]>,
): LogEntry[] {
  const out: LogEntry[] = []
  const seen = new Set<Oid>()
  // A max-heap by committer time would be faster on huge histories; a sorted frontier is fine here.
  const frontier: Array<{id: Oid; c: Commit}> = []
  const push = (id: Oid): void => {
    if (seen.has(id)) return
    seen.add(id)
    frontier.push({id, c: loadCommit(repo.store, id)})
  }
  for (const s of starts) push(s)
  while (frontier.length && out.length < limit) {
    frontier.sort((a, b) => a.c.committer.time - b.c.committer.time)
    const {id, c} = frontier.pop()!
    for (const p of next(id, c)) push(p)
    if (!keep(id, c)) continue
    out.push(toLogEntry(id, c, refs.get(id)))
  }
  return out
}

/** The commits of `all` (a range, newest first) still reached from `include` when walking through `next` only. */
function simplifiedRange(graph: CommitGraph, all: Oid[], include: Oid[], next: (id: Oid, c: Commit) => Oid[]): Oid[] {
  const inRange = new Set(all)
  const reached = new Set<Oid>()
  const stack = include.filter((id) => inRange.has(id))
  while (stack.length) {
    const id = stack.pop()!
    if (reached.has(id)) continue
    reached.add(id)
    for (const p of next(id, graph.commit(id))) if (inRange.has(p)) stack.push(p)
  }
  return all.filter((id) => reached.has(id))
}

/**
 * Git's default history simplification for `log -- <paths>`. A commit is listed when it changed the
 * paths against every parent. A merge that kept some parent's version of them (TREESAME) is not
 * listed, and the walk goes on through that parent only: the other side's changes there were
 * discarded by the merge, so its commits did not make the paths what they are.
 *
 * With `follow` (one path), each commit is examined under the name the file had there: a commit
 * that added the path against a parent, from a file it deleted (renameSource), hands that parent
 * the old name. The walk reaches a commit from a child before examining it, so the name is known
 * by then; a commit reached under two names keeps the first.
 */
class PathHistory {
  private readonly memo = new Map<Oid, {changed: boolean; follow: Oid[]}>()
  private readonly names = new Map<Oid, string>()
  private readonly renames = new Map<Oid, RenameSource>()

  constructor(
    private readonly repo: Repo,
    private readonly paths: string[],
    /** --first-parent: a merge is compared with, and followed to, its first parent only. */
    private readonly firstParent = false,
    private readonly followRenames = false,
    /** -M<n> for following (Git passes it on); undefined: the default. */
    private readonly threshold?: number,
  ) {}

  /** The followed file's name in commit `id` (the path asked about until a rename is passed). */
  pathOf(id: Oid): string {
    return this.names.get(id) ?? this.paths[0]!
  }

  /** The rename (against its first parent) at which the followed file took its name in `id`, if any. */
  renameAt(id: Oid): RenameSource | undefined {
    return this.renames.get(id)
  }

  of(id: Oid, c: Commit): {changed: boolean; follow: Oid[]} {
    let r = this.memo.get(id)
    if (r) return r
    const paths = this.followRenames ? [this.pathOf(id)] : this.paths
    const parents = this.firstParent ? c.parents.slice(0, 1) : c.parents
    const trees = new Map(parents.map((p) => [p, loadCommit(this.repo.store, p).tree]))
    if (parents.length === 0) r = {changed: differs(this.repo, c.tree, null, paths), follow: []}
    else {
      const same = parents.find((p) => !differs(this.repo, c.tree, trees.get(p)!, paths))
      r = same === undefined ? {changed: true, follow: parents} : {changed: false, follow: parents.length > 1 ? [same] : parents}
    }
    if (this.followRenames)
      for (const p of r.follow) {
        const from = r.changed ? renameSource(this.repo.store, trees.get(p)!, c.tree, paths[0]!, this.threshold) : undefined
        if (from && p === parents[0]) this.renames.set(id, from)
        if (!this.names.has(p)) this.names.set(p, from?.path ?? paths[0]!)
      }
    this.memo.set(id, r)
    return r
  }
}

function differs(repo: Repo, tree: Oid, parentTree: Oid | null, paths: string[]): boolean {
  for (const p of paths) {
    const now = lookupPath(repo.store, tree, p)
    const before = parentTree ? lookupPath(repo.store, parentTree, p) : undefined
    if (now?.id !== before?.id || now?.kind !== before?.kind || now?.exec !== before?.exec) return true
  }
  return false
}
