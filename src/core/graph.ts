/**
 * The commit graph: parents and committer times, loaded once per commit and cached, and the walks
 * history operations need — merge bases (Git's paint-down-to-common, so a criss-cross history
 * yields every best common ancestor), ancestry tests and `a..b` ranges.
 */
import type {Oid} from './hash.js'
import type {Commit} from './objects/commit.js'
import {loadCommit} from './odb.js'
import {BlError} from './errors.js'
import {decodeCommit} from './objects/commit.js'
import type {ObjectStore} from './store/types.js'

interface Node {
  parents: Oid[]
  time: number
}

/** A max-heap of commits by committer time (newest first); ties by insertion order. */
class TimeQueue {
  private heap: Array<{id: Oid; time: number; seq: number}> = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  push(id: Oid, time: number): void {
    const h = this.heap
    h.push({id, time, seq: this.seq++})
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.before(h[i]!, h[p]!)) break
      ;[h[i], h[p]] = [h[p]!, h[i]!]
      i = p
    }
  }

  pop(): Oid | undefined {
    const h = this.heap
    if (h.length === 0) return undefined
    const top = h[0]!
    const last = h.pop()!
    if (h.length > 0) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && this.before(h[l]!, h[m]!)) m = l
        if (r < h.length && this.before(h[r]!, h[m]!)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m]!, h[i]!]
        i = m
      }
    }
    return top.id
  }

  private before(a: {time: number; seq: number}, b: {time: number; seq: number}): boolean {
    return a.time > b.time || (a.time === b.time && a.seq < b.seq)
  }
}

const P1 = 1
const P2 = 2
const STALE = 4
const RESULT = 8

export class CommitGraph {
  private readonly nodes = new Map<Oid, Node>()

  constructor(readonly store: ObjectStore) {}

  commit(id: Oid): Commit {
    const c = loadCommit(this.store, id)
    if (!this.nodes.has(id)) this.nodes.set(id, {parents: c.parents, time: c.committer.time})
    return c
  }

  private node(id: Oid): Node {
    let n = this.nodes.get(id)
    if (!n) {
      // Only parents and time are needed for a walk: the bytes are decoded strictly but not
      // re-hashed (what a walk returns is loaded, and verified, by whoever uses it; fsck checks all).
      const raw = this.store.getObject(id)
      if (!raw || raw.kind !== 'commit') throw new BlError('MISSING_OBJECT', `commit ${id} is missing from the store`, {hint: 'Run `bl fsck`; the repository may be incomplete.', data: {id}})
      const c = decodeCommit(raw.data)
      n = {parents: c.parents, time: c.committer.time}
      this.nodes.set(id, n)
    }
    return n
  }

  parents(id: Oid): Oid[] {
    return this.node(id).parents
  }

  time(id: Oid): number {
    return this.node(id).time
  }

  /**
   * Commits that are ancestors of both `a` and `b` and not ancestors of another such commit
   * (several in a criss-cross history; none for unrelated histories), newest first.
   */
  mergeBases(a: Oid, b: Oid): Oid[] {
    return this.mergeBasesMany(a, [b])
  }

  /**
   * The best common ancestors of `one` and the union of `others` (Git's merge_bases_many: as if
   * `others` were the parents of one merge commit), newest first.
   */
  mergeBasesMany(one: Oid, others: Oid[]): Oid[] {
    if (others.includes(one)) return [one]
    const candidates = this.paintDownToCommon(one, others)
    if (candidates.length <= 1) return candidates
    return this.removeRedundant(candidates)
  }

  /** Is `ancestor` reachable from `descendant` (a commit is its own ancestor)? */
  isAncestor(ancestor: Oid, descendant: Oid): boolean {
    if (ancestor === descendant) return true
    // No pruning by committer time: clocks skew, and a wrong "no" here would lose commits.
    const seen = new Set<Oid>([descendant])
    const stack = [descendant]
    while (stack.length) {
      const id = stack.pop()!
      for (const p of this.parents(id)) {
        if (p === ancestor) return true
        if (seen.has(p)) continue
        seen.add(p)
        stack.push(p)
      }
    }
    return false
  }

  /**
   * Commits reachable from `include` but from none of `exclude` (`git rev-list include ^exclude`),
   * newest first with every commit before its parents.
   */
  range(include: Oid[], exclude: Oid[]): Oid[] {
    // Everything the excluded side reaches is hidden (no cut-off by time: clocks skew).
    const hidden = this.reachable(exclude, new Set())
    const inc = this.reachable(include, hidden)
    return this.topoNewestFirst([...inc])
  }

  private reachable(starts: Oid[], stop: Set<Oid>): Set<Oid> {
    const out = new Set<Oid>()
    const stack = [...starts]
    while (stack.length) {
      const id = stack.pop()!
      if (out.has(id) || stop.has(id)) continue
      out.add(id)
      stack.push(...this.parents(id))
    }
    return out
  }

  /** Orders commits newest first, never a parent before its child (Kahn's algorithm on time). */
  topoNewestFirst(ids: Oid[]): Oid[] {
    const set = new Set(ids)
    const children = new Map<Oid, number>()
    for (const id of ids) for (const p of this.parents(id)) if (set.has(p)) children.set(p, (children.get(p) ?? 0) + 1)
    const q = new TimeQueue()
    for (const id of ids) if (!children.get(id)) q.push(id, this.time(id))
    const out: Oid[] = []
    let id: Oid | undefined
    while ((id = q.pop())) {
      out.push(id)
      for (const p of this.parents(id)) {
        if (!set.has(p)) continue
        const n = children.get(p)! - 1
        children.set(p, n)
        if (n === 0) q.push(p, this.time(p))
      }
    }
    return out
  }

  /** Git's paint_down_to_common: walk both sides newest first until only stale commits remain. */
  private paintDownToCommon(one: Oid, twos: Oid[]): Oid[] {
    const flags = new Map<Oid, number>()
    const queued = new Map<Oid, number>()
    const q = new TimeQueue()
    // Distinct queued commits without STALE: the walk ends when there are none.
    let nonStale = 0
    const enqueue = (id: Oid, add: number): void => {
      const old = flags.get(id) ?? 0
      const now = old | add
      flags.set(id, now)
      const n = queued.get(id) ?? 0
      if (n === 0) {
        if ((now & STALE) === 0) nonStale++
      } else if ((old & STALE) === 0 && (now & STALE) !== 0) nonStale--
      queued.set(id, n + 1)
      q.push(id, this.time(id))
    }
    enqueue(one, P1)
    for (const t of twos) enqueue(t, P2)
    const results: Oid[] = []
    while (nonStale > 0) {
      const id = q.pop()!
      const n = queued.get(id)! - 1
      queued.set(id, n)
      let f = flags.get(id)!
      if (n === 0 && (f & STALE) === 0) nonStale--
      let mark = f & (P1 | P2 | STALE)
      if ((f & (P1 | P2)) === (P1 | P2)) {
        if ((f & RESULT) === 0) {
          f |= RESULT
          flags.set(id, f)
          results.push(id)
        }
        mark |= STALE
      }
      for (const p of this.parents(id)) {
        if (((flags.get(p) ?? 0) & mark) === mark) continue
        enqueue(p, mark)
      }
    }
    // A result reached later by a newer result's STALE paint is an ancestor of it: not a best base.
    return results.filter((id) => (flags.get(id)! & STALE) === 0)
  }

  /** Drops candidates that are ancestors of another candidate. */
  private removeRedundant(cands: Oid[]): Oid[] {
    const keep: Oid[] = []
    for (const c of cands) {
      const others = cands.filter((o) => o !== c)
      if (!others.some((o) => this.isAncestor(c, o))) keep.push(c)
    }
    return keep.sort((x, y) => this.time(y) - this.time(x))
  }
}
