/**
 * The record of a bisection in progress (ops/bisect.ts), apart so that `bl status` can say one is
 * in progress without loading the checkout and remote code bisect itself needs.
 */
import {BlError} from '../errors.js'
import type {Oid} from '../hash.js'
import {shortRef} from '../refs/refs.js'
import type {Repo} from '../repo.js'

export const BISECT_STATE_KEY = 'bisect'

export interface BisectState {
  v: 1
  /** Where `bisect reset` returns: the branch checked out at the start, else the detached commit. */
  startBranch: string | null
  startCommit: Oid
  /** `bisect start --first-parent`: only the first-parent chain of the bad commit is searched. */
  firstParent?: boolean
  /** One line per step, replayable by hand (`bl bisect good <id>  # subject`). */
  log: string[]
}

export function readBisectState(repo: Repo): BisectState | null {
  const raw = repo.store.getState(BISECT_STATE_KEY)
  if (raw === undefined) return null
  const s = JSON.parse(raw) as BisectState
  if (s.v !== 1) throw new BlError('CORRUPT_OBJECT', `unknown bisect state version ${String(s.v)}`, {hint: 'A newer bl started this bisection; finish it with that version, or `bl bisect reset`.'})
  return s
}

/** For `bl status`: the bisection in progress, if any (one state read, no refs). */
export function bisectStartedFrom(repo: Repo): {startBranch: string | null} | null {
  const s = readBisectState(repo)
  return s && {startBranch: s.startBranch && shortRef(s.startBranch)}
}
