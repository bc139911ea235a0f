/**
 * Leases: a row per running command that writes objects before making them reachable (staged
 * chunks, trees of a commit being signed, merge results, a fetch's packs before its refs move);
 * taken with `Repo.holdLease`. gc and evict refuse to run while a live lease exists; a lease left
 * by a killed process (its pid gone) is dropped by the next gc.
 */
import {BlError} from '../errors.js'
import type {Repo} from '../repo.js'

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Throws REPOSITORY_BUSY while another live command holds a lease; drops leases of dead processes. Call inside the collecting transaction. */
export function checkNoLeases(repo: Repo, what: string): void {
  for (const l of repo.store.leases()) {
    if (l.pid !== process.pid && pidAlive(l.pid))
      throw new BlError('REPOSITORY_BUSY', `repository busy: a \`bl ${l.command}\` (pid ${l.pid}) is using objects ${what} could remove`, {hint: `Run ${what} again when it has finished.`, data: {pid: l.pid, command: l.command}})
    repo.store.dropLease(l.id) // left behind by a killed process
  }
}
