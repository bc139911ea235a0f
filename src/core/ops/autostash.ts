/**
 * --autostash (Git's, for merge, rebase and pull): local changes to tracked files are saved on the
 * stash list before the operation and applied again once it ends — at once, or, when it stopped on
 * conflicts, after `--continue`, `--skip`, `--abort` or the `bl commit` that concludes a merge (the
 * stopped operation's state names the stash). When they no longer apply to the result they stay on
 * the stash list, named in the outcome: nothing is lost, and nothing is half-applied (a stash apply
 * changes nothing when it would conflict).
 */
import {isBlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {readHead} from '../refs/refs.js'
import type {Repo} from '../repo.js'
import {readOperation} from './operation-state.js'
import {stashApply, stashList, stashPush} from './stash.js'

export interface AutostashOutcome {
  /** The stash commit that holds the local changes. */
  commit: Oid
  /** `applied`: back in the work tree, and dropped from the stash list; `stashed`: they could not be applied to the result (`reason`), so they stay on the stash list as `name`. */
  status: 'applied' | 'stashed'
  name: string | null
  /** Why a `stashed` autostash did not apply (the stash apply's error message). */
  reason?: string
}

/** The flag when given, else the setting (`rebase.autoStash`, `merge.autoStash`; Git's names), else off. */
export function autostashWanted(repo: Repo, flag: boolean | undefined, key: 'rebase.autoStash' | 'merge.autoStash'): boolean {
  if (flag !== undefined) return flag
  return repo.configBool(key) ?? false
}

/** Saves the local changes of tracked files (staged or not) on the stash list; undefined when there are none. */
async function createAutostash(repo: Repo): Promise<Oid | undefined> {
  if (!readHead(repo).oid) return undefined
  return (await stashPush(repo, {message: 'autostash'})).saved?.commit
}

/**
 * Applies the stash `commit` and drops it; when it conflicts with what is there now, it stays on the
 * stash list. Undefined when there is none (or the user dropped it meanwhile).
 */
export async function applyAutostash(repo: Repo, commit: Oid | undefined): Promise<AutostashOutcome | undefined> {
  if (!commit) return undefined
  const entry = stashList(repo).find((e) => e.commit === commit)
  if (!entry) return undefined
  try {
    await stashApply(repo, {stash: entry.name, pop: true})
    return {commit, status: 'applied', name: null}
  } catch (err) {
    // The operation itself is done: whatever keeps the changes from coming back, they stay listed.
    if (isBlError(err)) return {commit, status: 'stashed', name: entry.name, reason: err.message}
    throw err
  }
}

/**
 * Runs `op` with the local changes stashed first when `wanted`. They come back when `op` returns
 * or fails before it began; an operation that stopped keeps them (its state names the stash) until
 * it ends. A result that already reports the autostash (a sequence that applied it) is left as is.
 */
export async function withAutostash<R extends object>(repo: Repo, wanted: boolean, op: (stash: Oid | undefined) => Promise<R>): Promise<R & {autostash?: AutostashOutcome}> {
  const stash = wanted ? await createAutostash(repo) : undefined
  let res: R
  try {
    res = await op(stash)
  } catch (err) {
    if (stash && readOperation(repo)?.autostash !== stash) await applyAutostash(repo, stash).catch(() => undefined)
    throw err
  }
  if (!stash || 'autostash' in res || readOperation(repo)?.autostash === stash) return res
  const autostash = await applyAutostash(repo, stash)
  return autostash ? {...res, autostash} : res
}
