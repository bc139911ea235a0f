/**
 * Git's ref-filter for `bl branch` and `bl tag` listings: name patterns (`--list`), reachability
 * (`--contains`, `--no-contains`, `--merged`, `--no-merged`), `--points-at`, and `--sort` keys.
 */
import {BlError, printable} from '../errors.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import type {Repo} from '../repo.js'
import {wildmatch} from '../worktree/paths.js'
import {resolveRevision} from './revision.js'

export interface RefFilterOptions {
  /** Globs matched against the short name (`feat/*`, `origin/*`, `v1.*`); `*` matches `/` too, as in Git. */
  patterns?: string[]
  /** Only refs whose tip contains (has as ancestor) one of these commits. */
  contains?: string[]
  /** Only refs whose tip contains none of these. */
  noContains?: string[]
  /** Only refs whose tip is reachable from one of these (merged into it). */
  merged?: string[]
  /** Only refs whose tip is reachable from none of these. */
  noMerged?: string[]
  /** Only refs whose tip is one of these commits. */
  pointsAt?: string[]
  /** Sort keys, the last one primary (Git's `--sort`): `refname`, `committerdate`, ..., `-` reverses. */
  sort?: string[]
}

/** A ref to filter: its full name (`refs/heads/main`), the name matched and printed, and its tip. */
export interface FilterableRef {
  ref: string
  name: string
  commit: Oid
}

const SORT_KEYS = ['refname', 'committerdate', 'authordate', 'creatordate', 'version:refname', 'v:refname', 'objectname'] as const
type SortKey = (typeof SORT_KEYS)[number]

/** Does any listing filter apply (Git: they imply `--list`)? */
export function filtersRefs(opts: RefFilterOptions): boolean {
  return Boolean(opts.contains?.length || opts.noContains?.length || opts.merged?.length || opts.noMerged?.length || opts.pointsAt?.length)
}

/** Keeps the refs that pass every filter, then sorts them (default: by full ref name). */
export function filterRefs<T extends FilterableRef>(repo: Repo, refs: T[], opts: RefFilterOptions): T[] {
  const keys = parseSortKeys(opts.sort ?? [])
  const resolve = (revs: string[] | undefined): Oid[] => (revs ?? []).map((r) => resolveRevision(repo, r))
  const contains = resolve(opts.contains)
  const noContains = resolve(opts.noContains)
  const merged = resolve(opts.merged)
  const noMerged = resolve(opts.noMerged)
  const pointsAt = new Set(resolve(opts.pointsAt))
  const graph = new CommitGraph(repo.store)
  // Everything reachable from a --merged / --no-merged commit, walked once each.
  const reach = (tips: Oid[]): Set<Oid> => new Set(tips.length ? [...graph.range(tips, [])] : [])
  const mergedSet = merged.length ? reach(merged) : undefined
  const noMergedSet = noMerged.length ? reach(noMerged) : undefined
  const patterns = opts.patterns ?? []
  const kept = refs.filter((r) => {
    if (patterns.length && !patterns.some((p) => wildmatch(p, r.name))) return false
    if (pointsAt.size && !pointsAt.has(r.commit)) return false
    if (mergedSet && !mergedSet.has(r.commit)) return false
    if (noMergedSet && noMergedSet.has(r.commit)) return false
    if (contains.length && !contains.some((c) => graph.isAncestor(c, r.commit))) return false
    if (noContains.length && noContains.some((c) => graph.isAncestor(c, r.commit))) return false
    return true
  })
  return sortRefs(graph, kept, keys)
}

interface ParsedKey {
  key: SortKey
  reverse: boolean
}

function parseSortKeys(keys: string[]): ParsedKey[] {
  return keys.map((k) => {
    const reverse = k.startsWith('-')
    const key = (reverse ? k.slice(1) : k) as SortKey
    if (!SORT_KEYS.includes(key))
      throw new BlError('INVALID_ARGUMENT', `unsupported sort key "${printable(k)}"`, {hint: `Sort by one of ${SORT_KEYS.join(', ')}; a leading "-" reverses it (--sort=-committerdate).`, data: {key: k}})
    return {key, reverse}
  })
}

/**
 * Git's ordering: the last key decides first, each earlier one breaks its ties, and the full ref
 * name (ascending, even under a reversed key) breaks what is left.
 */
function sortRefs<T extends FilterableRef>(graph: CommitGraph, refs: T[], keys: ParsedKey[]): T[] {
  const order = [...keys].reverse()
  const value = (r: T, key: SortKey): string | number => {
    switch (key) {
      case 'committerdate':
      case 'creatordate':
        return graph.time(r.commit)
      case 'authordate':
        return graph.commit(r.commit).author.time
      case 'objectname':
        return r.commit
      default:
        return r.ref
    }
  }
  const cmp = (a: T, b: T, key: SortKey): number => {
    if (key === 'version:refname' || key === 'v:refname') return versionCompare(a.ref, b.ref)
    const x = value(a, key)
    const y = value(b, key)
    return x < y ? -1 : x > y ? 1 : 0
  }
  return [...refs].sort((a, b) => {
    for (const k of order) {
      const c = cmp(a, b, k.key)
      if (c) return k.reverse ? -c : c
    }
    return a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0
  })
}

/**
 * Version order (Git's `version:refname`): runs of digits compare as numbers, so v2 < v10 < v10.1;
 * the rest compares byte by byte. Of two equal numbers, fewer leading zeros sort first.
 */
export function versionCompare(a: string, b: string): number {
  const re = /\d+|\D+/g
  const pa = a.match(re) ?? []
  const pb = b.match(re) ?? []
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!
    const y = pb[i]!
    const dx = /^\d/.test(x)
    const dy = /^\d/.test(y)
    if (dx && dy) {
      const nx = x.replace(/^0+(?=\d)/, '')
      const ny = y.replace(/^0+(?=\d)/, '')
      if (nx.length !== ny.length) return nx.length - ny.length
      if (nx !== ny) return nx < ny ? -1 : 1
      if (x.length !== y.length) return x.length - y.length
    } else if (x !== y) {
      // A number sorts before text at the same place (v1.2 before v1.beta), as strverscmp does.
      if (dx !== dy) return dx ? -1 : 1
      return x < y ? -1 : 1
    }
  }
  return pa.length - pb.length
}
