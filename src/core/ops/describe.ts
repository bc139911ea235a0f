/**
 * bl describe: names a commit after the nearest tag it descends from, `<tag>-<n>-g<id>` (<n>
 * commits after the tag), or the tag alone when it is on the commit, as `git describe --tags` does.
 * bl's tags are lightweight, and every tag counts (Git counts only annotated ones unless --tags).
 *
 * The choice is Git's (builtin/describe.c): the history is walked newest first (committer time)
 * from the commit, the first MAX_CANDIDATES named commits met are the candidates, and each one's
 * distance is the number of commits the commit reaches that it does not (`rev ^tag`); the nearest
 * wins, a tie going to the one met first (the more recent).
 */
import {BlError} from '../errors.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import {TAGS} from '../refs/refs.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {wildmatch} from '../worktree/paths.js'
import {status} from './status.js'

export interface DescribeOptions {
  /** Revisions to describe (default HEAD). */
  revs?: string[]
  /** Any ref, not only tags: `heads/main`, `tags/v1`, `remotes/origin/main`. */
  all?: boolean
  /** The abbreviated id when nothing names the commit, instead of NO_TAG. */
  always?: boolean
  /** `<tag>-0-g<id>` even on the tag. */
  long?: boolean
  /** Hex digits of the id (default 12, bl's short ids; 0: the tag alone). */
  abbrev?: number
  /** Only a tag on the commit itself. */
  exactMatch?: boolean
  /** Append this mark when the work tree or index differs from HEAD (only without revs). */
  dirty?: string
  /** Only tags (with --all: refs) whose name matches one of these globs... */
  match?: string[]
  /** ...and none of these. */
  exclude?: string[]
  /** Follow only first parents (the history of the branch itself, not what was merged into it). */
  firstParent?: boolean
}

export interface Description {
  /** The revision as given. */
  rev: string
  /** The commit's full id. */
  id: Oid
  /** The description as printed. */
  name: string
  /** The name of the tag (with --all: the ref, `heads/main`) it was described by; null for an id with --always. */
  tag: string | null
  /** That tag's full ref name. */
  ref: string | null
  /** Commits in the commit's history that are not in the tag's (0: on the tag); null without a tag. */
  distance: number | null
  /** With --dirty: whether the work tree or index differs from HEAD; null without it. */
  dirty: boolean | null
}

/** Git's default number of candidate tags (`--candidates`). */
const MAX_CANDIDATES = 10
export const DEFAULT_ABBREV = 12

interface Name {
  ref: string
  /** As printed: the tag's name, or with --all the ref without `refs/`. */
  name: string
  /** Git's priority: 2 for a tag (bl's tags all count as Git's annotated ones), 0 for another ref. */
  prio: number
}

export function describe(repo: Repo, opts: DescribeOptions = {}): Description[] {
  const revs = opts.revs?.length ? opts.revs : ['HEAD']
  if (opts.dirty !== undefined && opts.revs?.length) throw new BlError('INVALID_ARGUMENT', '--dirty cannot be used with revisions', {hint: '--dirty describes HEAD and the work tree: drop the revisions.'})
  const abbrev = opts.abbrev === undefined ? DEFAULT_ABBREV : opts.abbrev === 0 ? 0 : Math.min(64, Math.max(4, opts.abbrev))
  if (opts.long && abbrev === 0) throw new BlError('INVALID_ARGUMENT', '--long and --abbrev=0 cannot be used together', {hint: '--abbrev=0 prints the tag alone; --long always adds -<n>-g<id>.'})
  const out = repo.store.snapshot(() => {
    const names = collectNames(repo, opts)
    if (names.size === 0 && !opts.always)
      throw new BlError('NO_TAG', 'no names found, cannot describe anything', {hint: 'Create a tag (`bl tag v1`), or use --always for the abbreviated id (--all names commits after branches too).'})
    const graph = new CommitGraph(repo.store)
    return revs.map((rev) => ({rev, ...describeCommit(graph, names, resolveRevision(repo, rev), abbrev, opts), dirty: null as boolean | null}))
  })
  if (opts.dirty !== undefined) {
    // Outside the read snapshot: status may hash files and write the refreshed stat cache back.
    const st = status(repo)
    const dirty = st.staged.length + st.unstaged.length + st.conflicts.length > 0
    for (const d of out) {
      d.dirty = dirty
      if (dirty) d.name += opts.dirty
    }
  }
  return out
}

/** The refs that may name commits (the first by name order, among those of the highest priority, for each commit). */
function collectNames(repo: Repo, opts: DescribeOptions): Map<Oid, Name> {
  const names = new Map<Oid, Name>()
  const filtered = Boolean(opts.match?.length || opts.exclude?.length)
  for (const r of repo.store.listRefs('refs/')) {
    if (!r.oid) continue
    let short: string
    let prio: number
    if (r.name.startsWith(TAGS)) {
      short = r.name.slice(TAGS.length)
      prio = 2
    } else if (!opts.all) continue
    else {
      // As Git: with patterns, only branches and remote-tracking branches besides tags.
      const m = /^refs\/(?:heads|remotes)\/(.*)$/s.exec(r.name)
      if (filtered && !m) continue
      short = m ? m[1]! : r.name
      prio = 0
    }
    if (opts.exclude?.some((g) => wildmatch(g, short))) continue
    if (opts.match?.length && !opts.match.some((g) => wildmatch(g, short))) continue
    const had = names.get(r.oid)
    if (!had || had.prio < prio) names.set(r.oid, {ref: r.name, name: opts.all ? r.name.slice('refs/'.length) : short, prio})
  }
  return names
}

interface Candidate {
  name: Name
  depth: number
  flag: number
  order: number
}

const SEEN = 1

function describeCommit(graph: CommitGraph, names: Map<Oid, Name>, id: Oid, abbrev: number, opts: DescribeOptions): Omit<Description, 'rev' | 'dirty'> {
  const suffix = (depth: number): string => `-${depth}-g${id.slice(0, abbrev)}`
  const exact = names.get(id)
  if (exact) return {id, name: exact.name + (opts.long ? suffix(0) : ''), tag: exact.name, ref: exact.ref, distance: 0}
  if (opts.exactMatch) throw new BlError('NO_TAG', `no tag exactly matches '${id}'`, {hint: 'Without --exact-match the nearest earlier tag names it (`<tag>-<n>-g<id>`).', data: {id}})

  // Commits waiting to be walked, newest first (committer time), in the order met among equal times.
  const list: Oid[] = []
  const flags = new Map<Oid, number>([[id, SEEN]])
  const insert = (c: Oid): void => {
    const t = graph.time(c)
    let i = 0
    while (i < list.length && graph.time(list[i]!) >= t) i++
    list.splice(i, 0, c)
  }
  // A commit's flags (the candidates that reach it) go to its parents, which are queued once.
  const visitParents = (c: Oid): void => {
    const f = flags.get(c)!
    const parents = graph.parents(c)
    for (const p of opts.firstParent ? parents.slice(0, 1) : parents) {
      const pf = flags.get(p) ?? 0
      if (!(pf & SEEN)) insert(p)
      flags.set(p, pf | f)
    }
  }
  list.push(id)
  const found: Candidate[] = []
  let tagged = 0
  let seen = 0
  let gaveUpOn: Oid | null = null
  while (list.length) {
    const c = list.shift()!
    seen++
    const n = names.get(c)
    if (n) {
      if (found.length < MAX_CANDIDATES) {
        const cand = {name: n, depth: seen - 1, flag: 1 << (found.length + 1), order: found.length}
        found.push(cand)
        flags.set(c, flags.get(c)! | cand.flag)
        if (n.prio === 2) tagged++
      } else {
        gaveUpOn = c
        break
      }
    }
    const f = flags.get(c)!
    for (const t of found) if (!(f & t.flag)) t.depth++
    // Every path left is covered by a candidate already.
    if (tagged && !list.length) break
    visitParents(c)
  }
  if (found.length === 0) {
    if (opts.always) return {id, name: abbrev === 0 ? id : id.slice(0, abbrev), tag: null, ref: null, distance: null}
    throw new BlError('NO_TAG', `no tags can describe '${id}'`, {hint: 'No tag is reachable from it: --always prints the abbreviated id instead, --all names it after a branch too.', data: {id}})
  }
  found.sort((a, b) => a.depth - b.depth || a.order - b.order)
  const best = found[0]!
  if (gaveUpOn) insert(gaveUpOn)
  // The best candidate's distance is final once every commit still queued is in its history.
  while (list.length) {
    const c = list.shift()!
    if (flags.get(c)! & best.flag) {
      if (list.every((o) => flags.get(o)! & best.flag)) break
    } else best.depth++
    visitParents(c)
  }
  return {id, name: best.name.name + (abbrev === 0 ? '' : suffix(best.depth)), tag: best.name.name, ref: best.name.ref, distance: best.depth}
}
