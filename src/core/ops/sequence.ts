/**
 * Replaying commits one at a time: cherry-pick (apply a commit's change on HEAD), revert (apply its
 * inverse) and rebase (replay a branch's commits onto another). Each step is a three-way merge —
 * base = the commit's parent, ours = HEAD, theirs = the commit (swapped for revert) — with the same
 * conflict handling as merge. A step that changes nothing (already upstream) is dropped.
 * Replayed commits keep their author and message; their signatures are not carried over, because
 * a signature covers the exact commit bytes, which a replay changes.
 */
import {BlError, isBlError} from '../errors.js'
import {CommitGraph} from '../graph.js'
import type {Oid} from '../hash.js'
import {abortOperation, flatOfCommit, requireCleanIndex, restorePaths, saveOperation, storeTree, writeCommit, operationSigner, prepareCommit} from '../merge/apply.js'
import {type Favor} from '../merge/three-way.js'
import {mergeTreesWithContent} from '../merge/content-merge.js'
import {readHead, setHead, shortRef, updateRefs} from '../refs/refs.js'
import {refOfRevision, resolveRevision} from '../refs/revision.js'
import {upstreamOf} from '../refs/upstream.js'
import type {Repo} from '../repo.js'
import {loadIndex} from '../worktree/index-state.js'
import {StagedFiles} from '../worktree/staged-files.js'
import {moveWorktree} from './checkout.js'
import {findForkPoint} from './merge-base.js'
import {applyAutostash, autostashWanted, withAutostash, type AutostashOutcome} from './autostash.js'
import {BEFORE_ANY_WRITE, type AbortResult, finishInterruptedStep, finishOrStop, requireResolved, resultTree, type MergeResult} from './merge.js'
import {clearOperation, conflictPaths, requireNoOperation, requireOperation, writeOperation, type OperationKind, type OperationState} from './operation-state.js'
import {commitTree, indexAsFlat, viewWorktree} from './snapshot.js'

type SequenceKind = Exclude<OperationKind, 'merge'>

export interface SequenceResult {
  operation: SequenceKind
  /** HEAD afterwards. */
  head: Oid
  /** Commits made, in order: the original, its replayed copy, and the files whose contents that step merged. */
  done: Array<{from: Oid; to: Oid; automerged: string[]}>
  /** Commits dropped because their change was already there. */
  dropped: Oid[]
  /** The stopped commit dropped by --skip. */
  skipped: Oid[]
  /** For --no-commit: the changes are staged, nothing was committed. */
  staged: boolean
  status: 'done' | 'up-to-date' | 'fast-forward'
  /** rebase --autostash: what became of the local changes set aside (absent when there were none). */
  autostash?: AutostashOutcome
}

function subject(message: string): string {
  return message.split('\n')[0] ?? ''
}

/** Expands `a..b` ranges to the commits in them (oldest first); other revisions as they are. */
function expandRevs(repo: Repo, graph: CommitGraph, revs: string[]): Oid[] {
  const out: Oid[] = []
  for (const r of revs) {
    const m = /^(.*?)\.\.(.*)$/.exec(r)
    if (m && !r.includes('...')) {
      const from = resolveRevision(repo, m[1] || 'HEAD')
      const to = resolveRevision(repo, m[2] || 'HEAD')
      const picked = graph.range([to], [from]).reverse()
      // As in Git ("empty commit set passed"): a range that selects nothing is a mistake, not a no-op.
      if (picked.length === 0) throw new BlError('INVALID_ARGUMENT', `${r} selects no commits`, {hint: `\`bl log --oneline ${r}\` lists what a range holds; <a>..<b> means the commits of <b> that <a> lacks.`, data: {range: r}})
      out.push(...picked)
    } else out.push(resolveRevision(repo, r))
  }
  return out
}

/**
 * Runs one `rebase --exec` command through the shell in `cwd`, for the command layer, which owns
 * the terminal: its exit status, or null when it could not start or was killed (`why` says).
 */
export type ExecRunner = (command: string, cwd: string) => {status: number | null; why?: string}

interface StepOptions {
  favor?: Favor
  noCommit?: boolean
  run?: ExecRunner
}

/**
 * Runs the remaining steps of `op` (its `todo`), committing each; stops (throws MERGE_CONFLICT)
 * at the first conflict with the state saved. Returns what was done.
 */
async function runSteps(repo: Repo, graph: CommitGraph, op: OperationState, opts: StepOptions, acc: SequenceResult): Promise<SequenceResult> {
  while (op.todo.length > 0) {
    // The files this step merges by content are staged as they are merged, for its move to take;
    // what it did not take goes before the next step.
    const stage = StagedFiles.in(repo.blDir)
    try {
      const c = op.todo[0]!
      const rest = op.todo.slice(1)
      const commit = graph.commit(c)
      // -m N: a merge commit's change is what it brought relative to its Nth parent.
      const parent = commit.parents[(op.mainline ?? 1) - 1] ?? null
      const head = readHead(repo).oid!
      const [base, theirs] = op.kind === 'revert' ? [c, parent] : [parent, c]
      const headTree = commitTree(repo, head)
      if (op.kind === 'rebase' && parent === head && commit.parents.length === 1) {
        // Already on HEAD (the replay has not diverged yet): Git takes the commit as it is, so its
        // id, dates and signature stay; HEAD moves to it.
        const tree = commitTree(repo, c)!
        op = {...op, todo: rest}
        const next = op
        await moveWorktree(repo, headTree, tree, false, {
          publish() {
            setHead(repo, {detached: c}, `rebase: fast-forward to ${c.slice(0, 12)}`)
            repo.store.setIndexTree(tree)
            writeOperation(repo, next)
          },
        })
        acc.done.push({from: c, to: c, automerged: []})
        op = runExec(repo, op, c, opts)
        continue
      }
      // Git's marker labels: the picked commit, and its parent as the base (swapped for a revert).
      const picked = `${c.slice(0, 12)} (${subject(commit.message)})`
      const labels = op.kind === 'revert' ? {ours: 'HEAD', base: picked, theirs: `parent of ${picked}`} : {ours: 'HEAD', base: `parent of ${picked}`, theirs: picked}
      const out = await mergeTreesWithContent(repo, base ? commitTree(repo, base) : null, headTree, theirs ? commitTree(repo, theirs) : null, {favor: opts.favor, labels, stage})
      const tree = resultTree(repo, headTree, out.edits)
      const message =
        op.kind !== 'revert' ? commit.message : `Revert "${subject(commit.message)}"\n\nThis reverts commit ${c}${commit.parents.length > 1 && parent ? `, reversing\nchanges made to ${parent}` : ''}.\n`
      const author = op.kind === 'revert' ? undefined : commit.author
      if (out.conflicts.length === 0 && tree === headTree && !opts.noCommit) {
        acc.dropped.push(c)
        op = {...op, todo: rest}
        repo.store.transaction(() => writeOperation(repo, op), {durable: true})
        op = runExec(repo, op, c, opts)
        continue
      }
      const res = await refusedStep(repo, op, acc, c, () =>
        finishOrStop(repo, {
          kind: op.kind,
          head,
          origHead: op.origHead,
          branch: op.origBranch,
          theirs: c,
          theirsLabel: `${c.slice(0, 12)} (${subject(commit.message)})`,
          message,
          author,
          resultTree: tree,
          conflicts: out.conflicts,
          parents: [head],
          reflog: `${op.kind}: ${subject(message)}`,
          bases: base ? [base] : [],
          favored: out.favored,
          todo: rest,
          onto: op.onto,
          noCommit: opts.noCommit,
          keepState: true,
          staged: stage,
          automerged: out.automerged,
          label: labels.theirs,
          carry: {autostash: op.autostash, mainline: op.mainline, exec: op.exec},
        }),
      )
      if (res.status === 'merged') acc.done.push({from: c, to: res.commit, automerged: out.automerged})
      op = runExec(repo, {...op, todo: rest, conflicts: []}, c, opts)
    } finally {
      stage.dispose()
    }
  }
  const res = finish(repo, op, acc, opts)
  const autostash = await applyAutostash(repo, op.autostash)
  return autostash ? {...res, autostash} : res
}

/**
 * `rebase --exec`: after step `c`, each command runs with the result checked out. The first that
 * fails stops the rebase there, the step's commit made: the state is saved with nothing left to
 * commit, so the user can fix the data, `bl commit` (or `--amend`) and `bl rebase --continue`.
 */
function runExec(repo: Repo, op: OperationState, c: Oid, opts: StepOptions): OperationState {
  for (const command of op.exec ?? []) {
    const r = opts.run ? opts.run(command, repo.root) : {status: null, why: 'could not be run: no terminal to run it in'}
    if (r.status === 0) continue
    const stopped: OperationState = {...op, conflicts: [], message: '', theirsLabel: `\`${command}\` failed after ${c.slice(0, 12)}`}
    repo.store.transaction(() => writeOperation(repo, stopped), {durable: true})
    const head = readHead(repo).oid!
    throw new BlError('EXEC_FAILED', `rebase stopped: \`${command}\` ${r.why ?? `exited with ${r.status}`} at ${head.slice(0, 12)} (after ${c.slice(0, 12)})`, {
      hint: 'Fix it, `bl commit` (or `bl commit --amend`), then `bl rebase --continue`; or `bl rebase --abort`.',
      data: {command, commit: head, exit: r.status},
    })
  }
  return op
}

/**
 * A step refused before the work tree changes — by the schema pins (SCHEMA_VIOLATION,
 * src/core/schema/pins.ts), by a local change in its way (LOCAL_CHANGES) or by content a thin clone
 * could not fetch (REMOTE_ERROR). When it is the first
 * step of a cherry-pick or revert, nothing at all has happened: the operation is dropped, as Git
 * drops it. Later, the sequence stays in progress with its earlier steps committed, and the hint
 * says how to leave it.
 */
async function refusedStep(repo: Repo, op: OperationState, acc: SequenceResult, c: Oid, step: () => Promise<MergeResult>): Promise<MergeResult> {
  try {
    return await step()
  } catch (err) {
    if (!isBlError(err) || (err.code !== 'SCHEMA_VIOLATION' && !BEFORE_ANY_WRITE.has(err.code))) throw err
    if (op.kind !== 'rebase' && acc.done.length === 0 && readHead(repo).oid === op.origHead) {
      repo.store.transaction(() => clearOperation(repo), {durable: true})
      throw err
    }
    throw new BlError(err.code, err.message, {
      hint: `${err.hint ?? ''} The ${op.kind} stopped before ${c.slice(0, 12)}${acc.done.length || op.kind === 'rebase' ? ', its earlier steps committed' : ''}: \`bl ${op.kind} --continue\` retries it, \`bl ${op.kind} --abort\` undoes all of it, \`bl ${op.kind} --skip\` drops this commit.`.trim(),
      data: {...err.data, operation: op.kind, commit: c},
    })
  }
}

/** The sequence ran out of steps: a rebase moves its branch to the result; the state goes. */
function finish(repo: Repo, op: OperationState, acc: SequenceResult, opts: StepOptions): SequenceResult {
  const head = readHead(repo).oid!
  repo.store.transaction(
    () => {
      if (op.kind === 'rebase' && op.origBranch) {
        const message = `rebase (finish): ${shortRef(op.origBranch)} onto ${op.onto?.slice(0, 12)}`
        updateRefs(repo, [{ref: op.origBranch, expect: op.origHead, to: head, message}])
        setHead(repo, {branch: op.origBranch}, message)
      }
      clearOperation(repo)
    },
    {durable: true},
  )
  return {...acc, head, staged: Boolean(opts.noCommit)}
}

async function start(repo: Repo, kind: SequenceKind, todo: Oid[], opts: StepOptions & {onto?: Oid; autostash?: Oid; mainline?: number; exec?: string[]}): Promise<SequenceResult> {
  const head = readHead(repo)
  if (!head.oid) throw new BlError('UNKNOWN_REVISION', `HEAD does not point at a commit yet: nothing to ${kind} onto`, {hint: 'Make a first commit.'})
  if (opts.noCommit && todo.length > 1)
    throw new BlError('INVALID_ARGUMENT', `--no-commit takes one commit (got ${todo.length})`, {hint: `Apply them one at a time, committing in between, or drop --no-commit.`})
  requireCleanIndex(repo, head.oid, kind)
  const graph = new CommitGraph(repo.store)
  // Checked before any state exists, so a refusal leaves nothing to abort.
  for (const c of todo) requireMainline(kind, c, graph.parents(c).length, opts.mainline)
  const op: OperationState = {kind, origHead: head.oid, origBranch: head.branch, theirs: todo[0] ?? head.oid, theirsLabel: '', message: '', conflicts: [], todo, onto: opts.onto, autostash: opts.autostash, mainline: opts.mainline, exec: opts.exec?.length ? opts.exec : undefined}
  const acc: SequenceResult = {operation: kind, head: head.oid, done: [], dropped: [], skipped: [], staged: false, status: 'done'}
  if (kind === 'rebase' && opts.onto) {
    saveOperation(repo, op)
    try {
      await moveWorktree(repo, commitTree(repo, head.oid), commitTree(repo, opts.onto), false, {
        publish() {
          setHead(repo, {detached: opts.onto!}, `rebase: checkout ${opts.onto!.slice(0, 12)}`)
          repo.store.setIndexTree(commitTree(repo, opts.onto!)!)
        },
      })
    } catch (err) {
      repo.store.transaction(() => clearOperation(repo), {durable: true})
      throw err
    }
  } else saveOperation(repo, op)
  return runSteps(repo, graph, op, opts, acc)
}

/**
 * A merge commit is picked or reverted only against a named parent (-m N, as in Git: which side's
 * change is meant cannot be guessed); -m 1 also takes a single-parent commit (Git >= 2.21), any
 * other N needs a merge with that many parents.
 */
function requireMainline(kind: SequenceKind, c: Oid, parents: number, mainline: number | undefined): void {
  if (mainline === undefined) {
    if (parents <= 1) return
    throw new BlError('INVALID_ARGUMENT', `${c.slice(0, 12)} is a merge commit but no -m option was given`, {
      hint: `Name the parent whose side is the mainline: \`bl ${kind} -m 1 ${c.slice(0, 12)}\` ${kind === 'revert' ? 'undoes' : 'applies'} what the merge brought into its first parent.`,
      data: {commit: c},
    })
  }
  if (mainline === 1 && parents <= 1) return
  if (parents <= 1) throw new BlError('INVALID_ARGUMENT', `mainline was specified but ${c.slice(0, 12)} is not a merge`, {hint: 'Drop -m (or use -m 1).', data: {commit: c}})
  if (mainline > parents) throw new BlError('INVALID_ARGUMENT', `${c.slice(0, 12)} does not have parent ${mainline}`, {hint: `It has ${parents}: use -m 1 to ${parents}.`, data: {commit: c}})
}

export async function cherryPick(repo: Repo, opts: {revs: string[]; favor?: Favor; noCommit?: boolean; mainline?: number}): Promise<SequenceResult> {
  requireNoOperation(repo, 'cherry-pick')
  if (opts.revs.length === 0) throw new BlError('INVALID_ARGUMENT', 'nothing to cherry-pick', {hint: 'Name one or more commits: `bl cherry-pick <rev>...`.'})
  const todo = expandRevs(repo, new CommitGraph(repo.store), opts.revs)
  return start(repo, 'cherry-pick', todo, opts)
}

export async function revert(repo: Repo, opts: {revs: string[]; favor?: Favor; noCommit?: boolean; mainline?: number}): Promise<SequenceResult> {
  requireNoOperation(repo, 'revert')
  if (opts.revs.length === 0) throw new BlError('INVALID_ARGUMENT', 'nothing to revert', {hint: 'Name one or more commits: `bl revert <rev>...`.'})
  // Newest first, as git reverts a range: each revert applies on top of the later ones' reverts.
  const graph = new CommitGraph(repo.store)
  const todo = expandRevs(repo, graph, opts.revs)
  return start(repo, 'revert', opts.revs.some((r) => r.includes('..')) ? todo.reverse() : todo, opts)
}

export interface RebaseOptions {
  /** What to rebase onto; default: the current branch's upstream (`@{upstream}`). */
  upstream?: string
  /** Replay onto this commit instead of `upstream` (`--onto`); `upstream` only bounds what is replayed. */
  onto?: string
  /** Also leave out what `upstream`'s reflog shows it once had (Git's --fork-point); default: on when `upstream` is not given, as in Git. */
  forkPoint?: boolean
  favor?: Favor
  /** --[no-]autostash; default `rebase.autoStash` (ops/autostash.ts). */
  autostash?: boolean
  /** --exec: commands run after each replayed commit (by `run`). */
  exec?: string[]
  run?: ExecRunner
}

/**
 * Replays the current branch's commits that `upstream` lacks onto `onto` (default `upstream`).
 * With the fork point, commits a force-push removed upstream are not replayed either: they are
 * behind where the branch forked from the upstream as it was then.
 */
export async function rebase(repo: Repo, opts: RebaseOptions): Promise<SequenceResult> {
  requireNoOperation(repo, 'rebase')
  const head = readHead(repo)
  if (!head.oid) throw new BlError('UNKNOWN_REVISION', 'HEAD does not point at a commit yet: nothing to rebase', {hint: 'Make a first commit.'})
  const upstreamRev = opts.upstream ?? upstreamRevision(repo, head.branch)
  const upstream = resolveRevision(repo, upstreamRev)
  const onto = opts.onto === undefined ? upstream : resolveRevision(repo, opts.onto)
  const graph = new CommitGraph(repo.store)
  const upstreamRef = (opts.forkPoint ?? opts.upstream === undefined) ? refOfRevision(repo, upstreamRev) : null
  const forkPoint = upstreamRef?.startsWith('refs/') ? findForkPoint(repo, graph, upstreamRef, head.oid) : null
  const base = {operation: 'rebase' as const, done: [], dropped: [], skipped: [], staged: false}
  // Git's can_fast_forward: the branch already sits on `onto`, forked there from upstream.
  const onlyBase = (a: Oid, b: Oid): Oid | null => {
    const m = graph.mergeBases(a, b)
    return m.length === 1 ? m[0]! : null
  }
  const from = head.oid
  const autostashing = autostashWanted(repo, opts.autostash, 'rebase.autoStash')
  // As Git: local changes refuse a rebase even when it has nothing to do (unless set aside).
  const requireClean = (): void => {
    requireCleanIndex(repo, from, 'rebase')
    requireCleanWorktree(repo)
  }
  // With --exec an up-to-date branch is still gone through (each commit reused, then checked), as in Git.
  if (!opts.exec?.length && onlyBase(onto, head.oid) === onto && (!forkPoint || forkPoint === onto) && onlyBase(upstream, head.oid) === onto) {
    if (!autostashing) requireClean()
    return {...base, head: head.oid, status: 'up-to-date'}
  }
  const todo = graph
    .range([head.oid], forkPoint ? [upstream, forkPoint] : [upstream])
    .reverse()
    .filter((c) => graph.parents(c).length <= 1)
  return withAutostash(repo, autostashing, async (autostash): Promise<SequenceResult> => {
    requireClean()
    if (todo.length === 0 && graph.isAncestor(from, onto)) {
      // Nothing of ours to replay: the branch simply moves forward, as git does.
      await moveWorktree(repo, commitTree(repo, from), commitTree(repo, onto), false, {
        publish() {
          const message = `rebase (finish): fast-forward to ${onto.slice(0, 12)}`
          if (head.branch) updateRefs(repo, [{ref: head.branch, expect: from, to: onto, message}])
          setHead(repo, head.branch ? {branch: head.branch} : {detached: onto}, message)
          repo.store.setIndexTree(commitTree(repo, onto)!)
        },
      })
      return {...base, head: onto, status: 'fast-forward'}
    }
    return start(repo, 'rebase', todo, {favor: opts.favor, onto, autostash, exec: opts.exec, run: opts.run})
  })
}

/** `@{upstream}` of the current branch, with errors that say how to name one instead. */
function upstreamRevision(repo: Repo, branch: string | null): string {
  if (!branch) throw new BlError('INVALID_ARGUMENT', 'HEAD is detached, so there is no upstream to rebase onto', {hint: 'Name it: `bl rebase <upstream>`.'})
  if (!upstreamOf(repo, branch))
    throw new BlError('INVALID_ARGUMENT', `there is no tracking information for branch '${shortRef(branch)}'`, {
      hint: `Name what to rebase onto (\`bl rebase <upstream>\`), or set an upstream: \`bl branch -u <remote>/<branch> ${shortRef(branch)}\`.`,
      data: {branch: shortRef(branch)},
    })
  return `${shortRef(branch)}@{upstream}`
}

/** Rebase rewrites the work tree step by step: like git, it wants no local changes at all. */
export function requireCleanWorktree(repo: Repo, what = 'rebase'): void {
  const index = loadIndex(repo)
  const view = viewWorktree(repo, index, [''], false)
  if (view.dirty.size === 0) return
  const list = [...view.dirty.keys()].sort()
  throw new BlError('LOCAL_CHANGES', `cannot ${what}: you have unstaged changes (${list.slice(0, 3).join(', ')}${list.length > 3 ? ', ...' : ''})`, {hint: 'Commit them or restore them first (`bl restore <path>`).', data: {paths: list}})
}

/** --continue: commit the resolved step (unless it ended up empty), then run the rest. */
export async function sequenceContinue(repo: Repo, kind: SequenceKind, opts: {favor?: Favor; run?: ExecRunner} = {}): Promise<SequenceResult> {
  const op = await finishInterruptedStep(repo, requireOperation(repo, kind))
  requireResolved(op)
  const acc: SequenceResult = {operation: kind, head: op.origHead, done: [], dropped: [], skipped: [], staged: false, status: 'done'}
  const head = requireStoppedHead(repo, op)
  const tree = storeTree(repo, indexAsFlat(loadIndex(repo)))
  if (op.noCommit) {
    repo.store.transaction(() => clearOperation(repo), {durable: true})
    return {...acc, head, staged: true}
  }
  // The stopped step is the one that is not in todo any more and not committed yet.
  if (op.message && tree !== commitTree(repo, head)) {
    const spec = {tree, parents: [head], message: op.message, author: op.author, reflog: `${kind} (continue): ${subject(op.message)}`}
    const signer = await operationSigner(repo)
    const commit = await prepareCommit(repo, spec, signer)
    const id = repo.store.transaction(
      () => {
        const c = writeCommit(repo, commit, spec, signer)
        writeOperation(repo, {...op, conflicts: [], message: ''})
        return c
      },
      {durable: true},
    )
    acc.done.push({from: op.theirs, to: id, automerged: []})
  } else if (op.message) acc.dropped.push(op.theirs)
  else if (tree !== commitTree(repo, head))
    // Stopped between steps (an --exec that failed): a fix is committed by the user, not here.
    throw new BlError('LOCAL_CHANGES', `cannot continue the ${kind}: you have staged changes`, {hint: 'Commit them (`bl commit`, or `bl commit --amend` into the last replayed commit), or unstage them (`bl reset`), then continue.'})
  else requireCleanWorktree(repo, `continue the ${kind}`)
  const next: OperationState = {...op, conflicts: [], message: ''}
  // The exec commands follow the step just committed (not a step whose exec already failed).
  return runSteps(repo, new CommitGraph(repo.store), op.message ? runExec(repo, next, op.theirs, opts) : next, {favor: opts.favor, run: opts.run}, acc)
}

/** --skip (rebase, cherry-pick, revert): drop the stopped commit's changes and go on with the next. */
export async function sequenceSkip(repo: Repo, kind: SequenceKind, opts: {run?: ExecRunner} = {}): Promise<SequenceResult> {
  const op = requireOperation(repo, kind)
  const head = requireStoppedHead(repo, op)
  const headTree = commitTree(repo, head)
  const paths = conflictPaths(op.conflicts)
  const index = indexAsFlat(loadIndex(repo))
  const headFlat = flatOfCommit(repo, head)
  for (const [p, e] of index) {
    const h = headFlat.get(p)
    if (!h || h.id !== e.id || h.kind !== e.kind || h.exec !== e.exec) paths.add(p)
  }
  for (const p of headFlat.keys()) if (!index.has(p)) paths.add(p)
  await restorePaths(repo, headTree, paths)
  // What is skipped: the commit that stopped on conflicts; or one refused before it began (it is
  // still first in the todo list); after a failed --exec, nothing (that step is committed).
  const refusedFirst = !op.message && op.todo[0] === op.theirs
  const skipped = op.message || refusedFirst ? [op.theirs] : []
  const next: OperationState = {...op, conflicts: [], message: '', todo: refusedFirst ? op.todo.slice(1) : op.todo}
  repo.store.transaction(() => {
    writeOperation(repo, next)
    if (headTree) repo.store.setIndexTree(headTree)
  }, {durable: true})
  return runSteps(repo, new CommitGraph(repo.store), next, {run: opts.run}, {operation: kind, head, done: [], dropped: [], skipped, staged: false, status: 'done'})
}

/**
 * A sequence commits onto HEAD as it goes; if HEAD was moved away meanwhile (a switch during a
 * stopped rebase), continuing would commit onto the wrong place.
 */
function requireStoppedHead(repo: Repo, op: OperationState): Oid {
  const head = readHead(repo)
  const detachedRebase = op.kind === 'rebase'
  if (!head.oid || (detachedRebase ? head.branch !== null : head.branch !== op.origBranch))
    throw new BlError('REF_CHANGED', `HEAD moved since the ${op.kind} stopped`, {hint: `Go back (\`bl ${op.kind} --abort\` restores the starting point).`})
  return head.oid
}

export async function sequenceAbort(repo: Repo, kind: SequenceKind): Promise<AbortResult<SequenceKind>> {
  const op = requireOperation(repo, kind)
  await abortOperation(repo, op)
  const autostash = await applyAutostash(repo, op.autostash)
  return {aborted: kind, head: op.origHead, ...(autostash && {autostash})}
}
