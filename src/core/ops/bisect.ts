/**
 * bl bisect: find the commit that introduced a change (a broken label file, a metric that
 * dropped) by binary search over history, as `git bisect` does. The user (or `bisect run` with a
 * script) marks commits bad ("new") or good ("old"); bl checks out, detached, the commit that
 * best halves what is left, until one commit remains: the first bad one.
 *
 * State: the marks are refs (`refs/bisect/bad`, `refs/bisect/good-<id>`, `refs/bisect/skip-<id>`,
 * as Git's), so gc keeps the commits they name, and one JSON document in the store's `state`
 * table records where the bisection started and its log. Both change in one transaction.
 */
import {BlError} from '../errors.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import {loadCommit} from '../odb.js'
import {readHead, shortRef, updateRefs} from '../refs/refs.js'
import {resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import {BISECT_STATE_KEY as KEY, readBisectState as readState, type BisectState} from './bisect-state.js'
import {switchTo} from './checkout.js'
import {refsByCommit, toLogEntry, type LogEntry} from './log.js'
import {readOperation} from './operation-state.js'

const BISECT_REFS = 'refs/bisect/'

export type BisectMark = 'bad' | 'good' | 'skip'

export type BisectStatus =
  /** Marks are missing: a bad commit and at least one good one are needed. */
  | {state: 'waiting'; needs: Array<'bad' | 'good'>}
  /** `current` is checked out for testing; `remaining` candidates are left after it, ~`steps` more. */
  | {state: 'testing'; current: Oid; subject: string; remaining: number; steps: number}
  /** The first bad commit was found. */
  | {state: 'done'; firstBad: Oid; subject: string}
  /** Only skipped commits are left: the first bad commit is one of `candidates` (and `bad`). */
  | {state: 'only-skipped'; candidates: Oid[]}

export interface BisectInfo {
  active: boolean
  startBranch: string | null
  bad: Oid | null
  good: Oid[]
  skip: Oid[]
  log: string[]
}

function requireState(repo: Repo): BisectState {
  const s = readState(repo)
  if (!s) throw new BlError('NO_OPERATION', 'you are not bisecting', {hint: 'Start with `bl bisect start [<bad> [<good>...]]`.'})
  return s
}

function marks(repo: Repo): {bad: Oid | null; good: Oid[]; skip: Oid[]} {
  const refs = repo.store.listRefs(BISECT_REFS)
  const of = (prefix: string): Oid[] => refs.filter((r) => r.name.startsWith(BISECT_REFS + prefix) && r.oid).map((r) => r.oid!)
  return {bad: refs.find((r) => r.name === `${BISECT_REFS}bad`)?.oid ?? null, good: of('good-'), skip: of('skip-')}
}

export function bisectInfo(repo: Repo): BisectInfo {
  const s = readState(repo)
  return {active: s !== null, startBranch: s?.startBranch ? shortRef(s.startBranch) : null, ...marks(repo), log: s?.log ?? []}
}

const subjectOf = (repo: Repo, id: Oid): string => loadCommit(repo.store, id).message.split('\n')[0]!

/**
 * Starts a bisection at HEAD (ending one in progress first is the user's call: refused), with
 * optional first marks: `bad` then `good` revisions, as `git bisect start <bad> <good>...`.
 * `firstParent`: Git's `--first-parent`, for a main line of merges: a merge that brought a
 * change in is the answer, not the side commit that made it.
 */
export async function bisectStart(repo: Repo, opts: {bad?: string; good?: string[]; firstParent?: boolean} = {}): Promise<BisectStatus> {
  if (readState(repo)) throw new BlError('OPERATION_IN_PROGRESS', 'a bisection is already in progress', {hint: '`bl bisect reset` ends it (back to where it started); `bl bisect log` shows it.'})
  const op = readOperation(repo)
  if (op) throw new BlError('OPERATION_IN_PROGRESS', `a ${op.kind} is in progress`, {hint: `Finish it (\`bl ${op.kind} --continue\`) or abort it (\`bl ${op.kind} --abort\`) first.`})
  const head = readHead(repo)
  if (!head.oid) throw new BlError('UNKNOWN_REVISION', 'there is no commit to bisect yet', {hint: 'Commit first.'})
  // Resolve every revision before anything is recorded: a typo leaves no half-started bisection.
  const bad = opts.bad === undefined ? undefined : resolveRevision(repo, opts.bad)
  const good = (opts.good ?? []).map((g) => resolveRevision(repo, g))
  const state: BisectState = {v: 1, startBranch: head.branch, startCommit: head.oid, ...(opts.firstParent ? {firstParent: true} : {}), log: [opts.firstParent ? 'bl bisect start --first-parent' : 'bl bisect start']}
  repo.store.transaction(() => repo.store.setState(KEY, JSON.stringify(state)), {durable: true})
  if (bad === undefined && good.length === 0) return next(repo)
  const ids: Array<[BisectMark, Oid]> = [...(bad ? [['bad', bad] as [BisectMark, Oid]] : []), ...good.map((g): [BisectMark, Oid] => ['good', g])]
  return bisectMark(repo, ids.map(([m, id]) => ({mark: m, rev: id})))
}

/** Records marks (`bad` at most one rev: the newest wins, as in Git) and checks out the next commit to test. */
export async function bisectMark(repo: Repo, items: Array<{mark: BisectMark; rev: string}>): Promise<BisectStatus> {
  const state = requireState(repo)
  const resolved = items.map((i) => ({mark: i.mark, id: resolveRevision(repo, i.rev)}))
  // Checked before anything is recorded: a contradicting mark must not stay in the state.
  const now = marks(repo)
  const bad = resolved.filter((r) => r.mark === 'bad').at(-1)?.id ?? now.bad
  const good = [...now.good, ...resolved.filter((r) => r.mark === 'good').map((r) => r.id)]
  if (bad) {
    const graph = new CommitGraph(repo.store)
    for (const g of good) {
      if (graph.isAncestor(bad, g))
        throw new BlError('INVALID_ARGUMENT', `the good commit ${g.slice(0, 12)} is ${g === bad ? 'the bad commit' : `a descendant of the bad commit ${bad.slice(0, 12)}`}`, {
          hint: 'Good (old) commits must come before the bad (new) one; if you look for a fix, mark fixed commits bad. `bl bisect reset` starts over.',
          data: {good: g, bad},
        })
    }
  }
  repo.store.transaction(
    () => {
      updateRefs(
        repo,
        resolved.map(({mark, id}) => ({ref: mark === 'bad' ? `${BISECT_REFS}bad` : `${BISECT_REFS}${mark}-${id}`, to: id, message: `bisect: ${mark}`})),
      )
      for (const {mark, id} of resolved) state.log.push(`# ${mark}: [${id.slice(0, 12)}] ${subjectOf(repo, id)}`, `bl bisect ${mark} ${id}`)
      repo.store.setState(KEY, JSON.stringify(state))
    },
    {durable: true},
  )
  return next(repo)
}

/** The state after the marks so far: what to test next (checked out), or the answer. */
async function next(repo: Repo): Promise<BisectStatus> {
  const {bad, good, skip} = marks(repo)
  const needs: Array<'bad' | 'good'> = [...(bad ? [] : ['bad' as const]), ...(good.length ? [] : ['good' as const])]
  if (needs.length) return {state: 'waiting', needs}
  const graph = new CommitGraph(repo.store)
  const candidates = candidatesOf(graph, bad!, good, readState(repo)?.firstParent ?? false)
  if (candidates.length <= 1) return done(repo, bad!)
  const skipped = new Set(skip)
  const pick = bestMidpoint(graph, candidates, bad!, skipped)
  if (pick === null) {
    const left = candidates.filter((c) => c !== bad)
    if (left.every((c) => skipped.has(c))) return {state: 'only-skipped', candidates: [bad!, ...left]}
    return done(repo, bad!)
  }
  // After testing `pick`, about half is left either way.
  const remaining = Math.max(pick.weight, candidates.length - pick.weight) - 1
  await switchTo(repo, {target: pick.id, detach: true})
  return {state: 'testing', current: pick.id, subject: subjectOf(repo, pick.id), remaining, steps: Math.max(0, Math.ceil(Math.log2(remaining + 1)))}
}

function done(repo: Repo, firstBad: Oid): BisectStatus {
  const s = requireState(repo)
  const subject = subjectOf(repo, firstBad)
  if (!s.log.some((l) => l.startsWith('# first bad commit:'))) {
    s.log.push(`# first bad commit: [${firstBad.slice(0, 12)}] ${subject}`)
    repo.store.transaction(() => repo.store.setState(KEY, JSON.stringify(s)), {durable: true})
  }
  return {state: 'done', firstBad, subject}
}

/**
 * What `bad` reaches and no good commit does (bad itself included), newest first; with
 * `firstParent` only those on bad's first-parent chain (a merge stands for its side branch).
 */
function candidatesOf(graph: CommitGraph, bad: Oid, good: Oid[], firstParent: boolean): Oid[] {
  const all = graph.range([bad], good)
  if (!firstParent) return all
  const open = new Set(all)
  const chain: Oid[] = []
  // A chain commit a good one reaches ends it: so do all its first parents.
  for (let c: Oid | undefined = bad; c !== undefined && open.has(c); c = graph.parents(c)[0]) chain.push(c)
  return chain
}

/** Past this many candidates the exact halving (a bitset per commit) gives way to the middle of a topological order. */
const EXACT_MAX = 8192

/**
 * Git's choice: the candidate (not `bad`, not skipped) whose ancestors among the candidates
 * (itself included), `w`, make min(w, n - w) largest, so either answer halves the search.
 * Returns null when every candidate but `bad` is skipped.
 */
function bestMidpoint(graph: CommitGraph, candidates: Oid[], bad: Oid, skipped: Set<Oid>): {id: Oid; weight: number} | null {
  const n = candidates.length
  const testable = candidates.filter((c) => c !== bad && !skipped.has(c))
  if (testable.length === 0) return null
  if (n > EXACT_MAX) {
    // candidates are newest first, never a parent before its child: the middle halves a linear history.
    const order = new Map(candidates.map((c, i) => [c, i]))
    const best = testable.reduce((a, b) => (Math.abs(order.get(a)! - n / 2) <= Math.abs(order.get(b)! - n / 2) ? a : b))
    return {id: best, weight: n - order.get(best)!}
  }
  // Ancestor sets as bitsets, oldest first so every parent's set is ready before its children.
  const index = new Map(candidates.map((c, i) => [c, i]))
  const words = Math.ceil(n / 32)
  const sets = new Map<Oid, Uint32Array>()
  for (let i = n - 1; i >= 0; i--) {
    const c = candidates[i]!
    const bits = new Uint32Array(words)
    bits[i >>> 5]! |= 1 << (i & 31)
    for (const p of graph.parents(c)) {
      const ps = sets.get(p)
      if (ps) for (let w = 0; w < words; w++) bits[w]! |= ps[w]!
    }
    sets.set(c, bits)
  }
  let best: {id: Oid; weight: number; score: number} | null = null
  for (const c of testable) {
    let weight = 0
    for (const word of sets.get(c)!) weight += popcount(word)
    const score = Math.min(weight, n - weight)
    // Ties go to the newer commit (earlier in `candidates`), as a stable, reproducible choice.
    if (!best || score > best.score || (score === best.score && index.get(c)! < index.get(best.id)!)) best = {id: c, weight, score}
  }
  return best && {id: best.id, weight: best.weight}
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

/** Ends the bisection: back to where it started (or to `to`), marks and state removed. */
export async function bisectReset(repo: Repo, to?: string): Promise<{returnedTo: string | null}> {
  const s = readState(repo)
  if (!s) return {returnedTo: null}
  const target = to !== undefined ? resolveRevision(repo, to) : null
  if (target) await switchTo(repo, {target, detach: true})
  else if (s.startBranch) await switchTo(repo, {target: shortRef(s.startBranch)})
  else await switchTo(repo, {target: s.startCommit, detach: true})
  repo.store.transaction(
    () => {
      for (const r of repo.store.listRefs(BISECT_REFS)) {
        repo.store.deleteRef(r.name)
        repo.store.deleteReflog(r.name)
      }
      repo.store.deleteState(KEY)
    },
    {durable: true},
  )
  return {returnedTo: target ?? (s.startBranch ? shortRef(s.startBranch) : s.startCommit)}
}

/** One mark command of a bisection log, by its name (Git's new/old are bad/good). */
const LOG_MARKS: Record<string, BisectMark> = {bad: 'bad', good: 'good', skip: 'skip', new: 'bad', old: 'good'}

/**
 * Git's `bisect replay`: redoes the bisection a `bl bisect log` recorded (its `bl bisect start`
 * and mark lines; comments and blank lines are skipped). The whole log is read and every
 * revision resolved before anything changes, so a bad line or a commit this repository lacks
 * leaves the current state alone. Then, as in Git, a bisection in progress is ended and the log's
 * is started and marked in one step (one checkout for all the marks, the same state and log as
 * marking one by one). Marks that contradict each other end the replayed bisection again, back
 * where it started.
 */
export async function bisectReplay(repo: Repo, text: string): Promise<BisectStatus> {
  let firstParent: boolean | undefined
  const items: Array<{mark: BisectMark; rev: string}> = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const fail = (why: string): BlError =>
      new BlError('INVALID_ARGUMENT', `bisect log line ${i + 1}: ${why}: ${JSON.stringify(line)}`, {hint: 'Replay what `bl bisect log` printed: `bl bisect start` and then `bl bisect good|bad|skip <commit>` lines.', data: {line: i + 1}})
    const [bl, bisect, cmd, ...args] = line.split(/\s+/)
    if (bl !== 'bl' || bisect !== 'bisect' || cmd === undefined) throw fail('not a bl bisect command')
    if (cmd === 'start') {
      if (firstParent !== undefined) throw fail('a second start')
      firstParent = args.includes('--first-parent')
      const revs = args.filter((a) => a !== '--first-parent')
      if (revs.some((a) => a.startsWith('-'))) throw fail('an option replay does not know')
      // `start <bad> <good>...`, as bisectStart takes them.
      if (revs.length) items.push({mark: 'bad', rev: revs[0]!}, ...revs.slice(1).map((rev) => ({mark: 'good' as const, rev})))
      return
    }
    const mark = LOG_MARKS[cmd]
    if (!mark) throw fail(`unknown bisect command "${cmd}"`)
    if (firstParent === undefined) throw fail('a mark before `bl bisect start`')
    if (args.length === 0) throw fail('a mark without a commit')
    if (mark === 'bad' && args.length > 1) throw fail('a bad mark takes one commit')
    for (const rev of args) items.push({mark, rev})
  })
  if (firstParent === undefined) throw new BlError('INVALID_ARGUMENT', 'the bisect log has no `bl bisect start` line', {hint: 'Replay what `bl bisect log` printed.'})
  const resolved = items.map((it) => ({mark: it.mark, rev: resolveRevision(repo, it.rev)}))
  await bisectReset(repo)
  await bisectStart(repo, {firstParent})
  if (!resolved.length) return next(repo)
  try {
    return await bisectMark(repo, resolved)
  } catch (err) {
    // Marks that contradict each other were refused before any was recorded: end the empty
    // bisection again. Anything else (local changes in the way of the checkout) keeps the marks.
    if (err instanceof BlError && err.code === 'INVALID_ARGUMENT') await bisectReset(repo)
    throw err
  }
}

/** The next commit to test after a step that could not check it out (local changes in the way). */
export async function bisectNext(repo: Repo): Promise<BisectStatus> {
  requireState(repo)
  return next(repo)
}

/** The commits still in question (newest first, as log entries): what `bad` reaches and no good commit does. */
export function bisectCandidates(repo: Repo): LogEntry[] {
  requireState(repo)
  const {bad, good} = marks(repo)
  if (!bad) return []
  const graph = new CommitGraph(repo.store)
  const refs = refsByCommit(repo)
  return candidatesOf(graph, bad, good, readState(repo)?.firstParent ?? false).map((id) => toLogEntry(id, graph.commit(id), refs.get(id)))
}
