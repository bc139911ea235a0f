/**
 * Git's SQUASH_MSG: a clean `merge --squash` stages the result and commits nothing; the commit
 * the user makes next takes the squash message ("Squashed commit of the following: ...") when
 * given none. Git puts it in the editor; bl opens none, so it is used as it is, and only while
 * HEAD is still the commit the squash was staged on (a stale message is never used).
 */
import type {Oid} from '../hash.js'
import type {Repo} from '../repo.js'

const KEY = 'squash-message'

/** Call inside the transaction that stages the squash. */
export function saveSquashMessage(repo: Repo, head: Oid, message: string): void {
  repo.store.setState(KEY, JSON.stringify({head, message}))
}

/** The squash message staged on `head`, if any. */
export function squashMessageFor(repo: Repo, head: Oid | null): string | undefined {
  const raw = repo.store.getState(KEY)
  if (raw === undefined || head === null) return undefined
  try {
    const s = JSON.parse(raw) as {head?: unknown; message?: unknown}
    return s.head === head && typeof s.message === 'string' ? s.message : undefined
  } catch {
    return undefined
  }
}

/** Call inside a transaction (a commit, a reset that drops what was staged). */
export function clearSquashMessage(repo: Repo): void {
  repo.store.deleteState(KEY)
}
