/** A branch's upstream (`branch.<b>.remote` + `.merge`, as in Git) and its remote-tracking ref. */
import type {Repo} from '../repo.js'
import {HEADS} from './refs.js'

export function upstreamOf(repo: Repo, branch: string): {remote: string; ref: string; tracking: string} | undefined {
  const short = branch.startsWith(HEADS) ? branch.slice(HEADS.length) : branch
  const remote = repo.store.getConfig(`branch.${short}.remote`)
  const merge = repo.store.getConfig(`branch.${short}.merge`)
  if (!remote || !merge) return undefined
  return {remote, ref: merge, tracking: `refs/remotes/${remote}/${merge.replace(/^refs\/heads\//, '')}`}
}

/** Call inside a transaction. */
export function setUpstream(repo: Repo, branch: string, remote: string, remoteBranch: string): void {
  const short = branch.startsWith(HEADS) ? branch.slice(HEADS.length) : branch
  repo.store.setConfig(`branch.${short}.remote`, remote)
  repo.store.setConfig(`branch.${short}.merge`, HEADS + remoteBranch)
}
