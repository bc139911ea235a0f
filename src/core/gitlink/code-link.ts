/**
 * The link between a data commit and the code that made it (docs/git-link.md): every commit
 * records the enclosing Git repository's HEAD commit, branch, dirty flag and origin URL in its
 * metadata, and bl borrows Git's user identity when it has none of its own. `git.link false`
 * (config or BL_CONFIG_*) turns both off.
 */
import {BlError} from '../errors.js'
import type {Repo} from '../repo.js'
import {findGitRoot, readCodeState, readGitIdentity, resolveCodeRevision, type CodeState} from './git-bridge.js'

export const GIT_COMMIT_KEY = 'git.commit'
export const GIT_DIRTY_KEY = 'git.dirty'
export const GIT_BRANCH_KEY = 'git.branch'
export const GIT_REMOTE_KEY = 'git.remote'

export interface CodeLink {
  commit: string
  dirty: boolean
  branch: string | null
  remote: string | null
}

export function gitLinkEnabled(repo: Repo): boolean {
  return repo.configBool('git.link') ?? true
}

/** The code repository around the data work tree, when there is one and the link is on. */
export async function codeRepoDir(repo: Repo): Promise<string | null> {
  return gitLinkEnabled(repo) ? findGitRoot(repo.root) : null
}

// Code state is read once per process: a rebase writing many commits walks the Git tree once.
const stateCache = new WeakMap<Repo, Promise<CodeState | null>>()

function codeState(repo: Repo): Promise<CodeState | null> {
  let p = stateCache.get(repo)
  if (!p) {
    p = codeRepoDir(repo).then((dir) => (dir ? readCodeState(dir) : null))
    stateCache.set(repo, p)
  }
  return p
}

/** Metadata entries for a new commit: empty outside a Git repository or before its first commit. */
export async function codeLinkMeta(repo: Repo): Promise<Record<string, string>> {
  const st = await codeState(repo)
  if (!st?.commit) return {}
  const meta: Record<string, string> = {[GIT_COMMIT_KEY]: st.commit, [GIT_DIRTY_KEY]: String(st.dirty)}
  if (st.branch) meta[GIT_BRANCH_KEY] = st.branch
  if (st.origin) meta[GIT_REMOTE_KEY] = withoutCredentials(st.origin)
  return meta
}

/** The code link recorded in a commit's metadata, or null. */
export function readCodeLink(meta: Record<string, string>): CodeLink | null {
  const commit = meta[GIT_COMMIT_KEY]
  if (!commit) return null
  return {commit, dirty: meta[GIT_DIRTY_KEY] === 'true', branch: meta[GIT_BRANCH_KEY] ?? null, remote: meta[GIT_REMOTE_KEY] ?? null}
}

/**
 * Loads Git's identity into `repo.codeIdentity` so `repo.identity()` can fall back to it; only
 * when bl has no identity of its own (no Git files are read otherwise).
 */
export async function loadCodeIdentity(repo: Repo): Promise<void> {
  if (repo.codeIdentity || repo.hasOwnIdentity() || !gitLinkEnabled(repo)) return
  const dir = await findGitRoot(repo.root)
  repo.codeIdentity = await readGitIdentity(dir, repo.ctx.env)
}

/**
 * A code revision as a full SHA-1 or a hex prefix to match: hex is taken as written (the data
 * commits may come from a clone of the code that has no Git repository around it); names go
 * through the enclosing Git repository.
 */
export async function resolveCodeCommit(repo: Repo, rev: string): Promise<string> {
  if (/^[0-9a-f]{4,40}$/i.test(rev)) return rev.toLowerCase()
  const dir = await findGitRoot(repo.root)
  if (!dir) throw new BlError('UNKNOWN_REVISION', `"${rev}" is not a SHA-1 and there is no Git repository around ${repo.root} to resolve it in`, {hint: 'Give the code commit as a SHA-1 (at least 4 hex digits).'})
  return resolveCodeRevision(dir, rev)
}

/** A remote URL fit to store in a commit: user:password@ and signed query parameters dropped. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1').replace(/([?&](?:X-Amz-[A-Za-z-]+|Signature|AWSAccessKeyId|sig|token|access_token)=)[^&\s]*/gi, '$1***')
}
