/**
 * bl log: commits reachable from a revision, newest first (by committer time, ties by
 * discovery), optionally only those that changed a path relative to their first parent.
 */
import type {Oid} from '../hash.js'
import type {Commit} from '../objects/commit.js'
import {loadCommit} from '../odb.js'
import {readHead, HEADS, TAGS, shortRef} from '../refs/refs.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {lookupPath} from '../tree-build.js'
import {toRepoPath} from '../worktree/paths.js'

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

export function refsByCommit(repo: Repo): Map<Oid, string[]> {
  const m = new Map<Oid, string[]>()
  const head = readHead(repo)
  for (const r of [...repo.store.listRefs(HEADS), ...repo.store.listRefs(TAGS)]) {
    if (!r.oid) continue
    const label = r.name === head.branch ? `HEAD -> ${shortRef(r.name)}` : r.name.startsWith(TAGS) ? `tag: ${shortRef(r.name)}` : shortRef(r.name)
    ;(m.get(r.oid) ?? m.set(r.oid, []).get(r.oid)!).push(label)
  }
  if (!head.branch && head.oid) (m.get(head.oid) ?? m.set(head.oid, []).get(head.oid)!).unshift('HEAD')
  return m
}

export function log(repo: Repo, opts: {revs?: string[]; maxCount?: number; paths?: string[]}): LogEntry[] {
  const starts = (opts.revs?.length ? opts.revs : ['HEAD']).map((r) => resolveRevision(repo, r))
  const paths = (opts.paths ?? []).map((p) => toRepoPath(repo, p))
  const refs = refsByCommit(repo)
  const out: LogEntry[] = []
  const seen = new Set<Oid>()
  // A max-heap by committer time would be faster on huge histories; a sorted frontier is fine here.
  let frontier: Array<{id: Oid; c: Commit}> = []
  const push = (id: Oid): void => {
    if (seen.has(id)) return
    seen.add(id)
    frontier.push({id, c: loadCommit(repo.store, id)})
  }
  for (const s of starts) push(s)
  const limit = opts.maxCount ?? Infinity
  while (frontier.length && out.length < limit) {
    frontier.sort((a, b) => a.c.committer.time - b.c.committer.time)
    const {id, c} = frontier.pop()!
    for (const p of c.parents) push(p)
    if (paths.length && !touches(repo, c, paths)) continue
    out.push(toLogEntry(id, c, refs.get(id)))
  }
  frontier = []
  return out
}

function touches(repo: Repo, c: Commit, paths: string[]): boolean {
  const parentTree = c.parents[0] ? loadCommit(repo.store, c.parents[0]).tree : null
  for (const p of paths) {
    const now = lookupPath(repo.store, c.tree, p)
    const before = parentTree ? lookupPath(repo.store, parentTree, p) : undefined
    if (now?.id !== before?.id || now?.kind !== before?.kind || now?.exec !== before?.exec) return true
  }
  return false
}
