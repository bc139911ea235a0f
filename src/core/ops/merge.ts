/**
 * bl merge: fast-forward when HEAD is behind, otherwise a path-level three-way merge against the
 * merge base (a virtual base built from all best bases in a criss-cross history). A clean merge
 * commits with both parents; conflicts stop with exit 3 and the state saved for --continue/--abort.
 */
import {BlError, printable} from '../errors.js'
import {parseGitBool} from '../config.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import {abortOperation, conflictError, operationSigner, prepareCommit, requireCleanIndex, saveOperation, storeTree, writeCommit} from '../merge/apply.js'
import {applyEdits} from '../tree-ops.js'
import {mergeTrees, type Favor} from '../merge/three-way.js'
import {mergeTreesWithContent} from '../merge/content-merge.js'
import {advanceHead, HEADS, readHead, readRef, shortRef} from '../refs/refs.js'
import {previousCheckout, resolveRevision} from '../refs/revision.js'
import type {Repo} from '../repo.js'
import type {FlatEntry} from '../tree-build.js'
import {moveWorktree} from './checkout.js'
import {saveSquashMessage} from './squash-message.js'
import {clearOperation, conflictPaths, readOperation, requireNoOperation, requireOperation, writeOperation, type Conflict, type OperationState} from './operation-state.js'
import {commitTree, indexAsFlat} from './snapshot.js'
import {loadIndex} from '../worktree/index-state.js'
import {StagedFiles} from '../worktree/staged-files.js'
import {applyAutostash, autostashWanted, withAutostash, type AutostashOutcome} from './autostash.js'

export interface MergeOptions {
  rev: string
  ffOnly?: boolean
  noFf?: boolean
  message?: string
  favor?: Favor
  allowUnrelated?: boolean
  /**
   * Git's --squash: the merged result is staged and written, HEAD stays and no merge is left in
   * progress, so the next `bl commit` makes an ordinary one-parent commit. On conflicts the merge
   * stops as usual (the conflicts live in its state), and its commit then has one parent.
   */
  squash?: boolean
  /** Git's --no-commit: merge, then stop before committing as if on conflicts (`bl commit` or --continue commits it). */
  noCommit?: boolean
  /** --[no-]autostash; default `merge.autoStash` (ops/autostash.ts). */
  autostash?: boolean
}

export interface MergeResult {
  /** `squashed`: --squash staged the result; `stopped`: --no-commit left the merge to commit. */
  status: 'up-to-date' | 'fast-forward' | 'merged' | 'applied' | 'squashed' | 'stopped'
  /** The commit HEAD is at afterwards. */
  commit: Oid
  parents: Oid[]
  bases: Oid[]
  /** Paths the merge changed in the work tree (fast-forward and merge). */
  changed: number
  /** Conflicts settled by -X ours|theirs. */
  favored: number
  /** Files both sides changed whose contents were merged (Git's "Auto-merging <path>"). */
  automerged: string[]
  /** --autostash: what became of the local changes set aside (absent when there were none). */
  autostash?: AutostashOutcome
}

function label(repo: Repo, rev: string, id: Oid): string {
  if (readRef(repo, HEADS + rev)) return `branch '${rev}'`
  if (rev.startsWith(HEADS) && readRef(repo, rev)) return `branch '${shortRef(rev)}'`
  return `commit '${rev === id ? id.slice(0, 12) : rev}'`
}

/**
 * The base tree for merging a and b: their merge base's tree, or for several best bases a virtual
 * one, merging them pairwise (recursively). Paths the bases themselves conflict on are left out of
 * the virtual base, so the real merge reports them as conflicts instead of guessing, except a
 * text file merged with markers, which stays in with them (Git's recursive merge does the same).
 */
export async function mergeBaseTree(repo: Repo, graph: CommitGraph, bases: Oid[], depth = 0): Promise<Oid | null> {
  if (bases.length === 0) return null
  let acc = commitTree(repo, bases[0]!)
  if (bases.length === 1 || depth > 8) return acc
  for (let i = 1; i < bases.length; i++) {
    const inner = await mergeBaseTree(repo, graph, graph.mergeBases(bases[0]!, bases[i]!), depth + 1)
    // Content merges that come out clean go into the virtual base; marked ones too (below).
    const labels = {ours: 'Temporary merge branch 1', base: 'merged common ancestors', theirs: 'Temporary merge branch 2'}
    const m = await mergeTreesWithContent(repo, inner, acc, commitTree(repo, bases[i]!), {labels})
    // A file merged with markers stays in with them, as Git's virtual base keeps it (the real
    // merge then conflicts only where the bases did); other conflicted paths are left out.
    for (const c of m.conflicts) if (!c.markers) for (const p of [c.path, c.ours?.path, c.theirs?.path]) if (p) m.edits.set(p, null)
    acc = resultTree(repo, acc, m.edits)
  }
  return acc
}

/** Writes the tree that is `ours` with `edits` applied. */
export function resultTree(repo: Repo, ours: Oid | null, edits: Map<string, FlatEntry | null>): Oid {
  repo.holdLease('merge')
  return repo.store.transaction(() => applyEdits(repo.store, ours, edits))
}

/**
 * Git's `merge.ff` / `pull.ff`: `only` is --ff-only, `false` is --no-ff, `true` (the default)
 * fast-forwards when it can. Undefined when unset.
 */
export function ffSetting(repo: Repo, key: 'merge.ff' | 'pull.ff'): Pick<MergeOptions, 'ffOnly' | 'noFf'> | undefined {
  const v = repo.config(key)
  if (v === undefined) return undefined
  if (v === 'only') return {ffOnly: true, noFf: false}
  const b = parseGitBool(v)
  if (b !== undefined) return {ffOnly: false, noFf: !b}
  throw new BlError('BAD_CONFIG', `${key} is "${printable(v)}"; expected true, false or only`, {hint: `Fix it with \`bl config ${key} only\` (or true, false).`, data: {key, value: v}})
}

export async function merge(repo: Repo, opts: MergeOptions): Promise<MergeResult> {
  // Flags win; without any, merge.ff decides (Git's order).
  if (opts.ffOnly === undefined && opts.noFf === undefined && !opts.squash) opts = {...opts, ...ffSetting(repo, 'merge.ff')}
  if (opts.ffOnly && opts.noFf) throw new BlError('INVALID_ARGUMENT', '--ff-only and --no-ff cannot be used together', {hint: 'Pick one.'})
  if (opts.squash && opts.noFf) throw new BlError('INVALID_ARGUMENT', '--squash and --no-ff cannot be used together', {hint: '--squash makes no merge commit; drop --no-ff.'})
  // A squash leaves its result staged with no operation to carry the stash to the commit that
  // follows (Git keeps it for that commit): refused rather than applied onto a staged result.
  if (opts.squash && opts.autostash) throw new BlError('INVALID_ARGUMENT', '--autostash cannot be used with --squash', {hint: 'Stash first (`bl stash`), merge --squash, commit, then `bl stash pop`.'})
  // `bl merge -` merges the branch checked out before, as in Git.
  if (opts.rev === '-') opts = {...opts, rev: previousCheckout(repo, 1)}
  const head = readHead(repo)
  const theirs = resolveRevision(repo, opts.rev)
  // The same merge, killed while it wrote the work tree, is simply done again (it is deterministic,
  // and the move takes the files it already wrote as they are); anything else in progress refuses.
  const op = readOperation(repo)
  if (!(op?.kind === 'merge' && op.applying && op.origHead === head.oid && op.theirs === theirs)) requireNoOperation(repo, 'merge')
  const graph = new CommitGraph(repo.store)
  const name = label(repo, opts.rev, theirs)

  if (!head.oid && opts.squash) throw new BlError('UNKNOWN_REVISION', 'a squash commit into an empty branch is not supported', {hint: `Start the branch at it instead: \`bl merge ${opts.rev}\` (or \`bl reset --hard ${opts.rev}\`).`})
  if (!head.oid) {
    // Merging into an unborn branch: it simply starts at their commit.
    await moveWorktree(repo, null, commitTree(repo, theirs), false, {publish: () => advanceHead(repo, null, theirs, `merge ${opts.rev}: initial`)})
    return {status: 'fast-forward', commit: theirs, parents: [], bases: [], changed: 0, favored: 0, automerged: []}
  }
  const bases = graph.mergeBases(head.oid, theirs)
  if (bases.includes(theirs)) return {status: 'up-to-date', commit: head.oid, parents: [], bases, changed: 0, favored: 0, automerged: []}
  // A fast-forward makes no merge commit, so --no-commit does not stop it (as in Git); --squash does.
  const fastForward = bases.length === 1 && bases[0] === head.oid && !opts.noFf && !opts.squash
  if (!fastForward && opts.ffOnly && !(opts.squash && bases.length === 1 && bases[0] === head.oid))
    throw new BlError('NOT_FAST_FORWARD', `cannot fast-forward to ${name}: the histories have diverged`, {hint: 'Merge without --ff-only (three-way merge) or rebase onto it with `bl rebase`.', data: {bases}})
  if (bases.length === 0 && !opts.allowUnrelated)
    throw new BlError('NO_MERGE_BASE', `refusing to merge unrelated histories (${name} shares no commit with HEAD)`, {hint: 'Pass --allow-unrelated-histories if you really mean to join them.'})
  const headOid = head.oid
  return withAutostash(repo, !opts.squash && autostashWanted(repo, opts.autostash, 'merge.autoStash'), async (autostash): Promise<MergeResult> => {
    if (fastForward) {
      const from = commitTree(repo, headOid)
      const to = commitTree(repo, theirs)!
      // moveWorktree also records "index equals theirs" when the index equalled HEAD; HEAD moves with the index.
      const moved = await moveWorktree(repo, from, to, false, {publish: () => advanceHead(repo, headOid, theirs, `merge ${opts.rev}: Fast-forward`)})
      return {status: 'fast-forward', commit: theirs, parents: [], bases, changed: moved.written + moved.removed, favored: 0, automerged: []}
    }
    return threeWay(repo, {opts, branch: head.branch, head: headOid, theirs, name, graph, bases, autostash})
  })
}

/** merge's three-way case: the merged result committed, or stopped on conflicts with its state saved. */
async function threeWay(
  repo: Repo,
  m: {opts: MergeOptions; branch: string | null; head: Oid; theirs: Oid; name: string; graph: CommitGraph; bases: Oid[]; autostash: Oid | undefined},
): Promise<MergeResult> {
  const {opts, theirs, name, graph, bases} = m
  const headOid = m.head
  requireCleanIndex(repo, headOid, 'merge')
  const oursTree = commitTree(repo, headOid)
  const base = await mergeBaseTree(repo, graph, bases)
  const labels = {ours: 'HEAD', base: bases.length === 1 ? bases[0]!.slice(0, 12) : 'merged common ancestors', theirs: opts.rev}
  return withStage(repo, async (stage) => {
    const out = await mergeTreesWithContent(repo, base, oursTree, commitTree(repo, theirs), {favor: opts.favor, labels, stage})
    const message = opts.message ?? (opts.squash ? squashMessage(graph, headOid, theirs) : `Merge ${name}`)
    return finishOrStop(repo, {
      kind: 'merge',
      head: headOid,
      branch: m.branch,
      theirs,
      theirsLabel: name,
      message,
      resultTree: resultTree(repo, oursTree, out.edits),
      conflicts: out.conflicts,
      parents: [headOid, theirs],
      reflog: `merge ${opts.rev}: Merge made by the three-way strategy`,
      bases,
      favored: out.favored,
      noCommit: opts.squash,
      squash: opts.squash,
      stop: opts.noCommit && !opts.squash,
      staged: stage,
      automerged: out.automerged,
      label: opts.rev,
      carry: {autostash: m.autostash},
    })
  })
}

/**
 * Runs `fn` with a stage for the files a content merge produces (worktree/staged-files.ts), which
 * the move into the result takes; what it did not take is removed afterwards.
 */
export async function withStage<T>(repo: Repo, fn: (stage: StagedFiles) => Promise<T>): Promise<T> {
  const stage = StagedFiles.in(repo.blDir)
  try {
    return await fn(stage)
  } finally {
    stage.dispose()
  }
}

/** Failures of a work-tree move that come before it writes anything (moveWorktree checks, then fetches, then writes). */
export const BEFORE_ANY_WRITE: ReadonlySet<string> = new Set(['LOCAL_CHANGES', 'REMOTE_ERROR'])

/** Git's SQUASH_MSG: each squashed commit, newest first, with its author and message. */
function squashMessage(graph: CommitGraph, head: Oid, theirs: Oid): string {
  const parts = graph.range([theirs], [head]).map((id) => {
    const c = graph.commit(id)
    return `commit ${id}\nAuthor: ${c.author.name} <${c.author.email}>\n\n${c.message.trimEnd().split('\n').map((l) => (l ? `    ${l}` : '')).join('\n')}\n`
  })
  return `Squashed commit of the following:\n\n${parts.join('\n')}`
}

interface Pending {
  kind: OperationState['kind']
  /** HEAD now (what the result is applied on top of). */
  head: Oid
  /** HEAD when the operation began (what --abort returns to); default `head`. */
  origHead?: Oid
  branch: string | null
  theirs: Oid
  theirsLabel: string
  message: string
  /** The merged tree (conflicted paths hold our version, or theirs where we deleted it). */
  resultTree: Oid
  conflicts: Conflict[]
  parents: Oid[]
  reflog: string
  bases: Oid[]
  favored: number
  author?: OperationState['author']
  /** Commits still to replay after this one (sequences): the state outlives this step. */
  todo?: Oid[]
  onto?: Oid
  /** Apply only: leave the result staged, commit nothing. */
  noCommit?: boolean
  /** Keep the operation state after a clean step (a sequence with more to do). */
  keepState?: boolean
  /** merge --squash: its commit (after conflicts) has HEAD as its only parent. */
  squash?: boolean
  /** merge --no-commit: stop with the state saved even when nothing conflicts. */
  stop?: boolean
  /** The merged files, written aside as they were merged: renamed into place. */
  staged?: StagedFiles
  /** Files whose contents were merged (MergeResult.automerged). */
  automerged: string[]
  /** What their side is called in conflict markers and messages (the revision merged, or the picked commit). */
  label: string
  /** Settings the operation keeps in its state across steps and stops (--autostash's stash, -m, --exec). */
  carry?: Pick<OperationState, 'autostash' | 'mainline' | 'exec'>
}

/**
 * Writes the result into the index and work tree, then commits it — or, with conflicts, leaves it
 * there with the state saved and throws MERGE_CONFLICT. The state is saved (marked `applying`)
 * before the work tree changes, so a crash in between can be aborted, continued or run again; the
 * index, the commit and the final state are written in one transaction after the last file.
 */
async function finishOrStop(repo: Repo, p: Pending): Promise<MergeResult> {
  // The signing key (commit.sign) is unlocked and the commit prepared (signing is asynchronous, a
  // transaction is not) before the work tree changes: a missing key stops it while nothing happened.
  const signer = p.noCommit || p.stop || p.conflicts.length > 0 ? null : await operationSigner(repo)
  const headTree = commitTree(repo, p.head)
  const resultTree = p.resultTree
  const state: OperationState = {
    kind: p.kind,
    origHead: p.origHead ?? p.head,
    origBranch: p.branch,
    theirs: p.theirs,
    theirsLabel: p.theirsLabel,
    message: p.message,
    author: p.author,
    conflicts: p.conflicts,
    todo: p.todo ?? [],
    onto: p.onto,
    // A merge stopped by --squash's conflicts is committed by --continue, with one parent.
    noCommit: p.kind === 'merge' ? undefined : p.noCommit,
    squash: p.squash,
    resultTree,
    ...p.carry,
  }
  const spec = {tree: resultTree, parents: p.parents, message: p.message, author: p.author, reflog: p.reflog}
  const commit = !p.noCommit && !p.stop && p.conflicts.length === 0 ? await prepareCommit(repo, spec, signer) : null
  saveOperation(repo, {...state, applying: true})
  let id: Oid | undefined
  let moved: {written: number; removed: number}
  try {
    moved = await moveWorktree(repo, headTree, resultTree, false, {
      staged: p.staged,
      // A conflicted path is rewritten by its resolution or the abort: a local change there would be lost.
      mustBeClean: conflictPaths(p.conflicts),
      publish() {
        if (commit) {
          id = writeCommit(repo, commit, spec, signer)
          if (p.keepState) writeOperation(repo, {...state, conflicts: []})
          else clearOperation(repo)
        } else if (p.noCommit && p.conflicts.length === 0) {
          clearOperation(repo)
          // The next `bl commit` without -m takes the squash message (Git's SQUASH_MSG).
          if (p.squash) saveSquashMessage(repo, p.head, p.message)
        } else writeOperation(repo, state)
      },
    })
  } catch (err) {
    // Refused before touching anything (local changes in the way, or content a thin clone could
    // not fetch: the move fetches before it writes): undo the bookkeeping. A sequence keeps this
    // step at the head of its todo, so --continue retries it instead of dropping it. Any other
    // failure (disk full half-way) keeps the state: --abort cleans up. The state kept has no
    // result tree: --abort must not take this step's paths back, it never wrote them.
    if (err instanceof BlError && BEFORE_ANY_WRITE.has(err.code)) {
      repo.store.transaction(() => (p.keepState ? writeOperation(repo, {...state, todo: [p.theirs, ...state.todo], message: '', conflicts: [], resultTree: undefined}) : clearOperation(repo)), {durable: true})
    }
    throw err
  }
  if (p.conflicts.length > 0) throw conflictError(state, {automerged: p.automerged, label: p.label})
  if (!id) return {status: p.squash ? 'squashed' : p.stop ? 'stopped' : 'applied', commit: p.head, parents: [], bases: p.bases, changed: moved.written + moved.removed, favored: p.favored, automerged: p.automerged}
  return {status: 'merged', commit: id, parents: p.parents, bases: p.bases, changed: moved.written + moved.removed, favored: p.favored, automerged: p.automerged}
}

/**
 * A step killed while it wrote its result into the work tree (`applying`): finishes that move, as
 * the step would have, so --continue commits the full result and not the half-written one.
 */
export async function finishInterruptedStep(repo: Repo, op: OperationState): Promise<OperationState> {
  if (!op.applying || !op.resultTree) return op
  const settled: OperationState = {...op, applying: undefined}
  await moveWorktree(repo, commitTree(repo, readHead(repo).oid), op.resultTree, false, {publish: () => writeOperation(repo, settled)})
  return settled
}

/** bl merge --continue: commits the resolved index with both parents (one after --squash). */
export async function mergeContinue(repo: Repo, opts: {message?: string} = {}): Promise<MergeResult> {
  const op = await finishInterruptedStep(repo, requireOperation(repo, 'merge'))
  requireResolved(op)
  const head = readHead(repo)
  if (head.oid !== op.origHead) throw new BlError('REF_CHANGED', 'HEAD moved since the merge stopped', {hint: 'Run `bl merge --abort` and merge again.'})
  const entries = indexAsFlat(loadIndex(repo))
  const tree = storeTree(repo, entries)
  const parents = op.squash ? [op.origHead] : [op.origHead, op.theirs]
  const spec = {tree, parents, message: opts.message ?? op.message, reflog: `merge ${op.theirsLabel}: resolved conflicts`}
  const signer = await operationSigner(repo)
  const commit = await prepareCommit(repo, spec, signer)
  const id = repo.store.transaction(
    () => {
      const c = writeCommit(repo, commit, spec, signer)
      clearOperation(repo)
      return c
    },
    {durable: true},
  )
  const autostash = await applyAutostash(repo, op.autostash)
  return {status: 'merged', commit: id, parents, bases: [], changed: 0, favored: 0, automerged: [], ...(autostash && {autostash})}
}

export function requireResolved(op: OperationState): void {
  if (op.conflicts.length === 0) return
  const e = conflictError(op)
  throw new BlError('UNRESOLVED_CONFLICTS', `${op.conflicts.length} path${op.conflicts.length === 1 ? ' is' : 's are'} still in conflict: ${op.conflicts.slice(0, 3).map((c) => c.path).join(', ')}${op.conflicts.length > 3 ? ', ...' : ''}`, {hint: e.hint, data: e.data})
}

/** bl merge --abort: back to the state before the merge (files, index, HEAD). */
export async function mergeAbort(repo: Repo): Promise<AbortResult<'merge'>> {
  const op = requireOperation(repo, 'merge')
  await abortOperation(repo, op)
  const autostash = await applyAutostash(repo, op.autostash)
  return {aborted: 'merge', head: op.origHead, ...(autostash && {autostash})}
}

/** What --abort returns: the operation undone, HEAD afterwards, and the autostash applied again. */
export interface AbortResult<K extends OperationState['kind']> {
  aborted: K
  head: Oid
  autostash?: AutostashOutcome
}

export {finishOrStop, type Pending}
