/**
 * The state of a stopped history operation (merge, cherry-pick, revert, rebase): what Git keeps in
 * MERGE_HEAD, CHERRY_PICK_HEAD, rebase-merge/ and the index's conflict stages, here one JSON
 * document in the store's `state` table, written in the same transaction as the index it goes
 * with, so a crash never leaves one without the other.
 */
import {BlError} from '../errors.js'
import {isOid, type Oid} from '../hash.js'
import type {Signature} from '../objects/commit.js'
import type {Repo} from '../repo.js'
import type {FlatEntry} from '../tree-build.js'

const KEY = 'operation'

export type OperationKind = 'merge' | 'cherry-pick' | 'revert' | 'rebase'

export type ConflictKind =
  /** Both sides changed the file differently. */
  | 'both-modified'
  /** Both sides added different files at the path. */
  | 'both-added'
  /** We deleted (or moved away) what they modified. */
  | 'deleted-by-us'
  /** They deleted what we modified. */
  | 'deleted-by-them'
  /** Both sides moved the file, to different paths. */
  | 'renamed-differently'
  /** One side has a file where the other has a directory. */
  | 'file-directory'

/** One version of a conflicted path: where it is on that side and what it is. */
export interface ConflictSide extends FlatEntry {
  path: string
}

export interface Conflict {
  /** The path the conflict is reported and resolved at (ours' path when the sides differ). */
  path: string
  kind: ConflictKind
  base?: ConflictSide
  ours?: ConflictSide
  theirs?: ConflictSide
  /** Both-modified text: the merged file at `path` holds this many stretches between Git's markers. */
  markers?: number
}

export interface OperationState {
  kind: OperationKind
  /** HEAD's commit and branch when the operation started (what --abort returns to). */
  origHead: Oid
  origBranch: string | null
  /** The commit being merged, picked or reverted (the one that stopped, for a sequence). */
  theirs: Oid
  /** Name of what is merged, for messages ("branch 'x'", a short id, ...). */
  theirsLabel: string
  /** Message of the commit that --continue makes. */
  message: string
  /** Author of that commit (cherry-pick and rebase keep the original author). */
  author?: Signature
  conflicts: Conflict[]
  /** For cherry-pick and rebase: commits still to replay after this one, oldest first. */
  todo: Oid[]
  /** For rebase: the commit the replay started on, and the original commits already replayed. */
  onto?: Oid
  /** A stopped --no-commit revert/cherry-pick has nothing to continue: only the changes are applied. */
  noCommit?: boolean
  /** A `merge --squash` stopped on conflicts: its commit has one parent (HEAD), not two. */
  squash?: boolean
  /** The tree the stopped step wrote into the work tree (what --abort must take back, even after a crash). */
  resultTree?: Oid
  /**
   * Set while the step writes `resultTree` into the work tree, cleared in the transaction that
   * records the index: found set, bl was killed half-way (the index is still HEAD's). Running the
   * same merge again, or --continue, finishes the move first.
   */
  applying?: boolean
  /** --autostash: the stash (on the stash list) holding the local changes, applied again when the operation ends. */
  autostash?: Oid
  /** cherry-pick/revert -m N: a merge commit is applied against its Nth parent (1-based). */
  mainline?: number
  /** rebase --exec: shell commands run after each replayed commit; one that fails stops the rebase. */
  exec?: string[]
}

export function encodeOperation(state: OperationState): string {
  return JSON.stringify(state)
}

const OPERATION_KINDS: readonly string[] = ['merge', 'cherry-pick', 'revert', 'rebase'] satisfies OperationKind[]
const CONFLICT_KINDS: readonly string[] = ['both-modified', 'both-added', 'deleted-by-us', 'deleted-by-them', 'renamed-differently', 'file-directory'] satisfies ConflictKind[]

function unreadable(detail: string, cause?: unknown): BlError {
  return new BlError('CORRUPT_DATABASE', `the saved state of the operation in progress is unreadable: ${detail}`, {hint: 'Run `bl reset --hard` to drop it.', cause})
}

/**
 * The stored state, checked field by field: every command that finds an operation in progress
 * reads it, so a damaged one must fail here with a hint, not later inside merge or status.
 */
export function decodeOperation(raw: string): OperationState {
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch (err) {
    throw unreadable('not JSON', err)
  }
  type Rec = Record<string, unknown>
  const rec = (x: unknown, what: string): Rec => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw unreadable(`${what} is not an object`)
    return x as Rec
  }
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw unreadable(`bad ${what}`)
  }
  const isStr = (x: unknown): x is string => typeof x === 'string'
  const isInt = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x)
  const isId = (x: unknown): boolean => isStr(x) && isOid(x)
  const o = rec(v, 'the state')
  check(OPERATION_KINDS.includes(o.kind as string), 'kind')
  check(isId(o.origHead) && isId(o.theirs) && (o.origBranch === null || isStr(o.origBranch)), 'original head')
  check(isStr(o.theirsLabel) && isStr(o.message), 'message')
  for (const k of ['onto', 'resultTree', 'autostash']) check(o[k] === undefined || isId(o[k]), k)
  check(o.noCommit === undefined || typeof o.noCommit === 'boolean', 'noCommit')
  check(o.squash === undefined || typeof o.squash === 'boolean', 'squash')
  check(o.mainline === undefined || (isInt(o.mainline) && (o.mainline as number) >= 1), 'mainline')
  check(o.exec === undefined || (Array.isArray(o.exec) && o.exec.every(isStr)), 'exec')
  check(Array.isArray(o.todo) && o.todo.every(isId), 'todo list')
  if (o.author !== undefined) {
    const a = rec(o.author, 'author')
    check(isStr(a.name) && isStr(a.email) && isInt(a.time) && isInt(a.tz), 'author')
  }
  check(Array.isArray(o.conflicts), 'conflicts')
  for (const x of o.conflicts as unknown[]) {
    const c = rec(x, 'a conflict')
    check(isStr(c.path) && CONFLICT_KINDS.includes(c.kind as string), 'conflict')
    check(c.markers === undefined || (isInt(c.markers) && (c.markers as number) > 0), 'conflict markers')
    for (const k of ['base', 'ours', 'theirs']) {
      if (c[k] === undefined) continue
      const e = rec(c[k], `conflict side ${k}`)
      check(isStr(e.path) && ['file', 'dir', 'symlink'].includes(e.kind as string) && typeof e.exec === 'boolean' && isInt(e.size) && isId(e.id), `conflict side ${k}`)
    }
  }
  return o as unknown as OperationState
}

export function readOperation(repo: Repo): OperationState | undefined {
  const raw = repo.store.getState(KEY)
  return raw === undefined ? undefined : decodeOperation(raw)
}

/**
 * What a stopped operation still needs from the store, so gc keeps it and fsck checks it: its
 * commits (a fetched branch being merged may be referenced by nothing else once its ref is gone)
 * and the conflict stages' files, which `checkout --theirs` and --continue read.
 */
export function operationObjects(state: OperationState): {commits: Oid[]; trees: Oid[]; blobs: Oid[]} {
  const commits = [state.origHead, state.theirs, ...state.todo, ...(state.onto ? [state.onto] : [])]
  const blobs = state.conflicts.flatMap((c) => [c.base, c.ours, c.theirs]).flatMap((side) => (side ? [side.id] : []))
  return {commits, trees: state.resultTree ? [state.resultTree] : [], blobs}
}

/** Call inside a transaction. */
export function writeOperation(repo: Repo, state: OperationState): void {
  repo.store.setState(KEY, encodeOperation(state))
}

/** Forgets the operation in progress (call inside a transaction). */
export function clearOperation(repo: Repo): void {
  repo.store.deleteState(KEY)
}

export function requireNoOperation(repo: Repo, what: string): void {
  const op = readOperation(repo)
  if (!op) return
  throw new BlError('OPERATION_IN_PROGRESS', `cannot ${what}: a ${op.kind} is in progress`, {
    hint: `Finish it with \`bl ${op.kind} --continue\` or drop it with \`bl ${op.kind} --abort\`.`,
    data: {operation: op.kind},
  })
}

export function requireOperation(repo: Repo, kind: OperationKind): OperationState {
  const op = readOperation(repo)
  if (!op || op.kind !== kind) {
    throw new BlError('NO_OPERATION', `there is no ${kind} in progress`, {hint: op ? `A ${op.kind} is in progress: use \`bl ${op.kind} --continue|--abort\`.` : `Start one with \`bl ${kind} <rev>\`.`, data: {operation: op?.kind ?? null}})
  }
  return op
}

/**
 * Marks the conflicts at paths under `specs` resolved (the user staged or removed them). Call
 * inside the transaction that updates the index, after its changes; `removed` = the paths it
 * deleted from the index. A conflict whose path the index does not hold and the command did not
 * remove is left waiting: that is a version held back only in the conflict record (their file
 * where we have a directory, or under our file), which `add .` or `rm <our file>` never staged,
 * so resolving it would drop it from the result unseen.
 */
export function markResolved(repo: Repo, specs: string[], removed: Iterable<string> = []): string[] {
  const op = readOperation(repo)
  if (!op || op.conflicts.length === 0) return []
  const under = (p: string): boolean => specs.some((s) => s === '' || p === s || p.startsWith(s + '/'))
  const candidates = op.conflicts.filter((c) => under(c.path))
  if (candidates.length === 0) return []
  const wanted = new Set(candidates.map((c) => c.path))
  const touched = new Set([...removed].filter((p) => wanted.has(p)))
  for (const e of repo.store.readIndex()) if (wanted.has(e.path)) touched.add(e.path)
  if (touched.size === 0) return []
  writeOperation(repo, {...op, conflicts: op.conflicts.filter((c) => !touched.has(c.path))})
  return candidates.filter((c) => touched.has(c.path)).map((c) => c.path)
}

/** Every path a conflict involves, on any side. */
export function conflictPaths(conflicts: Conflict[]): Set<string> {
  const out = new Set<string>()
  for (const c of conflicts) {
    out.add(c.path)
    for (const s of [c.base, c.ours, c.theirs]) if (s) out.add(s.path)
  }
  return out
}
